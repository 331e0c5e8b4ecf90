using System.Text.Json;
using System.Text.Json.Nodes;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.OptInRequests;

/// <summary>
/// "Ask <see cref="Psid"/> whether they want to be notified about <see cref="Payload"/>": one request template, sent by
/// <see cref="PageId"/> inside the 24-hour window; an OTN request (one message later) or, with
/// <see cref="Kind"/> <see cref="TokenKind.Recurring"/>, a recurring one (messages until the user stops them).
/// </summary>
/// <param name="Title">What the user reads on the card, at most 65 characters as users count them.</param>
/// <param name="Payload">The topic, echoed back in the opt-in and used to find the tokens later.</param>
/// <param name="SensitiveValues">Values the caller knows must not travel in the payload (a name, an account number).</param>
public sealed record OptInRequest(string PageId, string Psid, string Title, string Payload, IReadOnlyList<string> SensitiveValues)
{
    /// <summary>The body's field for <see cref="SensitiveValues"/>; the <c>otn</c> command line writes it too.</summary>
    public const string SensitiveValuesField = "sensitiveValues";

    /// <summary>The body's <c>kind</c> values.</summary>
    public const string OneTimeKindName = "otn";
    public const string RecurringKindName = "recurring";

    /// <summary>Fields only a recurring request has.</summary>
    public static readonly IReadOnlyList<string> RecurringFields = ["imageUrl", "ctaText", "timezone"];

    private static readonly HashSet<string> KnownFields = ["kind", "pageId", "psid", "title", "payload", SensitiveValuesField, .. RecurringFields];

    public TokenKind Kind { get; init; }

    /// <summary>Recurring: the card's image, an https URL.</summary>
    public Uri? ImageUrl { get; init; }

    /// <summary>Recurring: the button's words, one of Meta's <see cref="OptInRequestRules.CtaTexts"/>.</summary>
    public string? CtaText { get; init; }

    /// <summary>Recurring: the user's IANA time zone, sent as <c>notification_messages_timezone</c>.</summary>
    public string? Timezone { get; init; }

    /// <summary>Reads the JSON body of <c>POST /api/optin-requests</c>, or explains every way it is not one.</summary>
    public static bool TryRead(JsonObject body, out OptInRequest? request, out string? error)
    {
        ArgumentNullException.ThrowIfNull(body);
        request = null;
        var problems = new List<string>();
        var unknown = body.Select(p => p.Key).Where(k => !KnownFields.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            problems.Add($"Unknown fields: {string.Join(", ", unknown)}.");
        }
        var kind = ReadKind(body, problems);
        var pageId = ReadString(body, "pageId", problems);
        var psid = ReadString(body, "psid", problems);
        var title = ReadString(body, "title", problems);
        var payload = ReadString(body, "payload", problems);
        var sensitive = ReadStrings(body, SensitiveValuesField, problems);
        var imageUrl = ReadOptionalString(body, "imageUrl", problems);
        var ctaText = ReadOptionalString(body, "ctaText", problems);
        var timezone = ReadOptionalString(body, "timezone", problems);
        if (kind == TokenKind.OneTime && RecurringFields.Where(f => body[f] is not null).ToList() is { Count: > 0 } misplaced)
        {
            problems.Add($"{string.Join(", ", misplaced)}: only a recurring request (\"kind\": \"{RecurringKindName}\") has these.");
        }
        Uri? image = null;
        if (imageUrl is not null && !(Uri.TryCreate(imageUrl, UriKind.Absolute, out image) && image.Scheme == Uri.UriSchemeHttps))
        {
            problems.Add("imageUrl must be an absolute https URL.");
        }
        error = problems.Count == 0 ? null : string.Join(" ", problems);
        if (error is null)
        {
            request = new OptInRequest(pageId!, psid!, title!, payload!, sensitive)
            {
                Kind = kind,
                ImageUrl = image,
                CtaText = ctaText,
                Timezone = timezone,
            };
        }
        return error is null;
    }

    private static TokenKind ReadKind(JsonObject body, List<string> problems)
    {
        var node = body["kind"];
        if (node is null)
        {
            return TokenKind.OneTime;
        }
        var kind = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
        switch (kind)
        {
            case OneTimeKindName: return TokenKind.OneTime;
            case RecurringKindName: return TokenKind.Recurring;
            default:
                problems.Add($"kind, when present, must be \"{OneTimeKindName}\" or \"{RecurringKindName}\".");
                return TokenKind.OneTime;
        }
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

    private static string? ReadOptionalString(JsonObject body, string name, List<string> problems)
    {
        var node = body[name];
        if (node is null || node.GetValueKind() == JsonValueKind.String)
        {
            return node?.GetValue<string>();
        }
        problems.Add($"{name}, when present, must be a string.");
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
    public override string ToString() => $"OptInRequest {{ PageId = {PageId}, Psid = {Psid}, Kind = {Kind} }}";
}
