using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Http;
using OneTimeNotif.OptInRequests;
using OneTimeNotif.Privacy;
using OneTimeNotif.Webhook;

namespace OneTimeNotif.Cli;

/// <summary>
/// The service's HTTP API as the CLI uses it: the webhook (signed, like Meta), and the key-protected endpoints.
/// Every refusal becomes a <see cref="CommandException"/> carrying the status and the service's own reason.
/// </summary>
internal sealed class ServiceClient : IDisposable
{

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http;
    private readonly CliSettings _settings;

    public ServiceClient(CliContext cli, Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(cli);
        _settings = cli.Settings;
        BaseUrl = baseUrl;
        _http = cli.Http is null ? new HttpClient() : new HttpClient(cli.Http, disposeHandler: false);
        _http.Timeout = Timeout;
    }

    public Uri BaseUrl { get; }

    public Uri Url(string path) => new(BaseUrl, path);

    /// <summary>Posts a webhook body with its <c>X-Hub-Signature-256</c>, as Meta does; returns what the webhook answered.</summary>
    public async Task<string> PostWebhookAsync(Uri webhook, byte[] body, string signature, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(WebhookSignature.HeaderName, signature);
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        var answer = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var hint = response.StatusCode == HttpStatusCode.Unauthorized ? " Is Messenger__AppSecret the service's App Secret?" : "";
            throw new CommandException($"The webhook refused the opt-ins ({Status(response)}): {Reason(answer)}{hint}");
        }
        return $"{Status(response)} {answer.Trim()}";
    }

    public async Task<FollowUpStatus> SubmitFollowUpAsync(FollowUpJob job, CancellationToken cancellationToken)
    {
        using var request = Keyed(HttpMethod.Post, FollowUpEndpoints.Route);
        request.Content = new StringContent(job.ToJson(), Encoding.UTF8, "application/json");
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureAcceptedAsync(response, "the follow-up", cancellationToken).ConfigureAwait(false);
        return await ReadAsync<FollowUpStatus>(response, cancellationToken).ConfigureAwait(false);
    }

    /// <returns>The job's counts, or null when the service knows no such job.</returns>
    public async Task<FollowUpStatus?> GetFollowUpStatusAsync(string jobId, CancellationToken cancellationToken)
    {
        using var request = Keyed(HttpMethod.Get, $"{FollowUpEndpoints.Route}/{Uri.EscapeDataString(jobId)}");
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureAcceptedAsync(response, "the status request", cancellationToken).ConfigureAwait(false);
        return await ReadAsync<FollowUpStatus>(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks the service to send a request template (OTN, or recurring); returns Meta's message ID.</summary>
    public async Task<string?> SendOptInRequestAsync(JsonObject body, CancellationToken cancellationToken)
    {
        using var request = Keyed(HttpMethod.Post, OptInRequestEndpoints.Route);
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        var kind = body["kind"]?.GetValue<string>() == OptInRequest.RecurringKindName ? "recurring" : "OTN";
        await EnsureAcceptedAsync(response, $"the {kind} request", cancellationToken).ConfigureAwait(false);
        var sent = await ReadAsync<JsonObject>(response, cancellationToken).ConfigureAwait(false);
        return sent["messageId"]?.GetValue<string>();
    }

    /// <summary>Erases a user; returns what the service removed.</summary>
    public async Task<ErasureCounts> EraseUserAsync(string pageId, string psid, CancellationToken cancellationToken)
    {
        using var request = Keyed(HttpMethod.Delete, $"{UserEndpoints.Route}/{pageId}/{psid}");
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureAcceptedAsync(response, "the erasure", cancellationToken).ConfigureAwait(false);
        return await ReadAsync<ErasureCounts>(response, cancellationToken).ConfigureAwait(false);
    }

    private HttpRequestMessage Keyed(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, Url(path));
        request.Headers.Add(FunctionKey.HeaderName, _settings.ApiKey);
        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new CommandException($"Cannot reach the service at {BaseUrl}: {ErrorLine.FirstLine(e.Message).TrimEnd('.')}. Is it running? (./run.sh starts it locally.)", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CommandException($"The service at {BaseUrl} did not answer within {Timeout.TotalSeconds:0} seconds.", e);
        }
    }

    private static async Task EnsureAcceptedAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var hint = response.StatusCode == HttpStatusCode.Unauthorized ? " Is Api__Key the service's key?" : "";
        throw new CommandException($"The service refused {what} ({Status(response)}): {Reason(body)}{hint}");
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(Web, cancellationToken).ConfigureAwait(false)
                ?? throw new CommandException($"The service answered {Status(response)} with an empty body.");
        }
        catch (JsonException e)
        {
            throw new CommandException($"The service answered {Status(response)} with a body that is not the expected JSON.", e);
        }
    }

    private static string Status(HttpResponseMessage response) => $"{(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();

    /// <summary>The <c>detail</c> of a problem+json answer (then its <c>title</c>), else the body's first line.</summary>
    private static string Reason(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return "no reason given.";
        }
        try
        {
            if (JsonNode.Parse(body) is JsonObject problem
                && (problem["detail"] ?? problem["title"]) is JsonValue text
                && text.TryGetValue<string>(out var reason))
            {
                return ErrorLine.FirstLine(reason);
            }
        }
        catch (JsonException)
        {
            // Not JSON: the body itself is the best reason there is.
        }
        return ErrorLine.FirstLine(body);
    }

    public void Dispose() => _http.Dispose();
}
