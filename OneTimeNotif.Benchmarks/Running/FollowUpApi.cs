using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Http;

namespace OneTimeNotif.Benchmarks.Running;

/// <summary>The host's key-protected follow-up routes, as a service calls them.</summary>
internal sealed class FollowUpApi(HttpClient client)
{
    private const string KeyHeader = FunctionKey.HeaderName;

    public async Task SubmitAsync(string jobId, string pageId, string payload, string text, CancellationToken cancellationToken)
    {
        var job = new JsonObject
        {
            ["jobId"] = jobId,
            ["pageId"] = pageId,
            ["payload"] = payload,
            ["message"] = new JsonObject { ["text"] = text },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/followups") { Content = JsonContent.Create(job) };
        request.Headers.Add(KeyHeader, LocalSecrets.ApiKey);
        using var response = await client.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"POST /api/followups answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    public async Task<FollowUpStatus> GetStatusAsync(string jobId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/followups/{Uri.EscapeDataString(jobId)}");
        request.Headers.Add(KeyHeader, LocalSecrets.ApiKey);
        using var response = await client.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<FollowUpStatus>(JsonSerializerOptions.Web, cancellationToken)
            ?? throw new InvalidOperationException($"GET /api/followups/{jobId} answered an empty body.");
    }
}
