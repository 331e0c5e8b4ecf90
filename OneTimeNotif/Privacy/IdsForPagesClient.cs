using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;
using OneTimeNotif.SendApi;

namespace OneTimeNotif.Privacy;

/// <summary>
/// Meta's ID-matching API, <c>GET /{version}/{asid}/ids_for_pages</c>: the Page-scoped IDs of an app-scoped user. The
/// app access token travels in the Authorization header; the next page is asked for by its <c>after</c> cursor, never
/// by following <c>paging.next</c>, whose query string carries the access token.
/// </summary>
public sealed class IdsForPagesClient(HttpClient http, IOptionsMonitor<MessengerOptions> options)
{
    /// <summary>Far beyond the Pages one app serves: a guard against a cursor that never ends.</summary>
    private const int MaxPages = 100;

    public async Task<PageScopedIds> GetAsync(string appScopedUserId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(appScopedUserId);
        var settings = options.CurrentValue;
        if (string.IsNullOrEmpty(settings.AppId))
        {
            return PageScopedIds.Refused("Messenger__AppId is not configured.");
        }
        var appToken = $"{settings.AppId}|{settings.AppSecret}";
        var proof = SendApiClient.AppSecretProof(appToken, settings.AppSecret);
        var ids = new List<PageScopedId>();
        string? after = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var query = $"appsecret_proof={proof}" + (after is null ? "" : $"&after={Uri.EscapeDataString(after)}");
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(settings.GraphBaseUrl, $"{settings.GraphApiVersion}/{appScopedUserId}/ids_for_pages?{query}"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", appToken);
            JsonObject? answer;
            try
            {
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                answer = await ReadAsync(response, cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode || answer?["data"] is not JsonArray data)
                {
                    return PageScopedIds.Refused(Describe(response, answer));
                }
                ids.AddRange(data.Select(Read).OfType<PageScopedId>());
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return PageScopedIds.Refused($"Meta's ID-matching API could not be reached ({e.GetType().Name}).");
            }
            after = answer["paging"]?["next"] is null ? null : Text(answer["paging"]?["cursors"]?["after"]);
            if (after is null)
            {
                return new PageScopedIds(ids, null);
            }
        }
        return PageScopedIds.Refused($"Meta's ID-matching API answered more than {MaxPages} pages.");
    }

    private static async Task<JsonObject?> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)) as JsonObject;
        }
        catch (JsonException)
        {
            // Proxies and outages answer with HTML: the status code tells.
            return null;
        }
    }

    private static PageScopedId? Read(JsonNode? item) =>
        Text(item?["id"]) is { } psid && Text(item?["page"]?["id"]) is { } pageId && MetaId.IsValid(psid) && MetaId.IsValid(pageId)
            ? new PageScopedId(pageId, psid)
            : null;

    /// <summary>Meta's status, code and trace id: enough to look the refusal up, nothing of the request.</summary>
    private static string Describe(HttpResponseMessage response, JsonObject? answer)
    {
        var error = answer?["error"];
        var code = error?["code"]?.GetValueKind() == JsonValueKind.Number ? error["code"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture) : "none";
        return $"Meta's ID-matching API refused (HTTP {(int)response.StatusCode}, code {code}, fbtrace_id {Text(error?["fbtrace_id"]) ?? "none"}).";
    }

    private static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
}

public sealed record PageScopedId(string PageId, string Psid);

/// <summary>The user's Page-scoped IDs, or why Meta did not give them (<see cref="Failure"/>).</summary>
public sealed record PageScopedIds(IReadOnlyList<PageScopedId> Ids, string? Failure)
{
    public static PageScopedIds Refused(string reason) => new([], reason);
}
