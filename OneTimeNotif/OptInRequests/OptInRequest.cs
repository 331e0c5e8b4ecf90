using System.Text.Json;
using System.Text.Json.Nodes;

namespace OneTimeNotif.OptInRequests;

/// <summary>
/// "Ask <see cref="Psid"/> whether they want to be notified about <see cref="Payload"/>": one OTN request template,
/// sent by <see cref="PageId"/> inside the 24-hour window.
/// </summary>
/// <param name="Title">What the user reads on the "Notify me" card, at most 65 characters as users count them.</param>
/// <param name="Payload">The topic, echoed back in the opt-in and used to find the tokens later.</param>
/// <param name="SensitiveValues">Values the caller knows must not travel in the payload (a name, an account number).</param>
public sealed record OptInRequest(string PageId, string Psid, string Title, string Payload, IReadOnlyList<string> SensitiveValues)
{
    /// <summary>The body's field for <see cref="SensitiveValues"/>; the <c>otn</c> command line writes it too.</summary>
    public const string SensitiveValuesField = "sensitiveValues";

    /// <summary>Reads the JSON body of <c>POST /api/optin-requests</c>, or explains every way it is not one.</summary>
    public static bool TryRead(JsonObject body, out OptInRequest? request, out string? error)
    {
        ArgumentNullException.ThrowIfNull(body);
        request = null;
        var problems = new List<string>();
        var pageId = ReadString(body, "pageId", problems);
        var psid = ReadString(body, "psid", problems);
        var title = ReadString(body, "title", problems);
        var payload = ReadString(body, "payload", problems);
        var sensitive = ReadStrings(body, SensitiveValuesField, problems);
        error = problems.Count == 0 ? null : string.Join(" ", problems);
        if (error is null)
        {
            request = new OptInRequest(pageId!, psid!, title!, payload!, sensitive);
        }
        return error is null;
    }

    private static string? ReadString(JsonObject body, string name, List<string> problems)
    {
        var node = body[name];
        if (node?.GetValueKind() == JsonValueKind.String)
        {
            return node.GetValue<string>();
        }
        problems.Add($"{name} is required and must be a string.");
        return null;
    }

    private static string[] ReadStrings(JsonObject body, string name, List<string> problems)
    {
        var node = body[name];
        if (node is null)
        {
            return [];
        }
        if (node is JsonArray array && array.All(n => n?.GetValueKind() == JsonValueKind.String))
        {
            return [.. array.Select(n => n!.GetValue<string>())];
        }
        problems.Add($"{name}, when present, must be an array of strings.");
        return [];
    }

    // Title and payload are the Page's words to its user, and sensitive values are sensitive: none reach a log.
    public override string ToString() => $"OptInRequest {{ PageId = {PageId}, Psid = {Psid} }}";
}
