using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OneTimeNotif.SendApi;

/// <summary>
/// What Meta's usage headers say: how close the app (<c>X-App-Usage</c>) and the Page
/// (<c>X-Business-Use-Case-Usage</c>) are to their limits, in percent, and how long until a blocked Page may send
/// again (<c>estimated_time_to_regain_access</c>, in minutes).
/// </summary>
public sealed record MetaUsage(double? AppPercent, double? PagePercent, TimeSpan? RegainAccessIn)
{
    public const string AppUsageHeader = "X-App-Usage";
    public const string BusinessUseCaseUsageHeader = "X-Business-Use-Case-Usage";

    public static readonly MetaUsage None = new(null, null, null);

    private static readonly string[] PercentFields = ["call_count", "total_time", "total_cputime"];

    public static MetaUsage Read(HttpResponseHeaders headers, string pageId)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return Read(Header(headers, AppUsageHeader), Header(headers, BusinessUseCaseUsageHeader), pageId);
    }

    /// <summary>Reads both headers' values; anything malformed counts as not said (a header is advice, never a reason to fail a send).</summary>
    public static MetaUsage Read(string? appUsage, string? businessUseCaseUsage, string pageId)
    {
        var app = Parse(appUsage) is JsonObject appObject ? HighestPercent(appObject) : null;
        double? page = null;
        TimeSpan? regain = null;
        // Keyed by the business object: the Page's own ID for Messenger; other keys are other objects' limits.
        if (Parse(businessUseCaseUsage) is JsonObject buc && buc[pageId] is JsonArray entries)
        {
            foreach (var entry in entries.OfType<JsonObject>())
            {
                page = Max(page, HighestPercent(entry));
                if (Number(entry["estimated_time_to_regain_access"]) is > 0 and var minutes)
                {
                    regain = Max(regain, TimeSpan.FromMinutes(minutes));
                }
            }
        }
        return new MetaUsage(app, page, regain);
    }

    private static string? Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static JsonNode? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static double? HighestPercent(JsonObject usage) =>
        PercentFields.Select(f => Number(usage[f])).Where(v => v is not null).Max();

    private static double? Number(JsonNode? node) =>
        node?.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue(out double value) ? value : null;

    private static double? Max(double? a, double? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private static TimeSpan? Max(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : (a > b ? a : b);
}
