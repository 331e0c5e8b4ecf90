using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneTimeNotif.Configuration;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// "Tell everyone waiting on <see cref="Payload"/> on <see cref="PageId"/>" (or only <see cref="Psid"/>): the
/// follow-up job contract, a plain UTF-8 JSON message on the queue <c>otn-followups</c>.
/// </summary>
/// <param name="JobId">The idempotency key: a user is messaged at most once per job ID.</param>
/// <param name="Message">Any Send API message object (<c>text</c>, or an <c>attachment</c>).</param>
public sealed record FollowUpJob(string JobId, string PageId, string Payload, string? Psid, JsonObject Message)
{
    public const int MaxJobIdLength = 256;

    /// <summary>Meta's limit on a text message.</summary>
    public const int MaxTextLength = 2000;

    /// <summary>
    /// Compact, and with non-ASCII text kept as it is: the default encoder writes Arabic or Japanese as <c>\uXXXX</c>,
    /// three times its UTF-8 size, and the size is what the queue and the table limit. The JSON never reaches HTML.
    /// </summary>
    internal static readonly JsonSerializerOptions Serialization = new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// A property given twice is ambiguous (which "message" did the sender mean?), and JsonObject would only throw
    /// on first use: refuse it while parsing, with a reason.
    /// </summary>
    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    /// <summary>Reads a job, or explains every way the JSON is not one.</summary>
    public static bool TryParse(string json, out FollowUpJob? job, out string? error)
    {
        job = null;
        return TryParseObject(json, out var root, out error) && TryRead(root!, out job, out error);
    }

    /// <summary>The message as a JSON object, for the job and whatever else the message carries (a segment).</summary>
    internal static bool TryParseObject(string json, out JsonObject? root, out string? error)
    {
        error = null;
        try
        {
            root = JsonNode.Parse(json, documentOptions: Strict) as JsonObject ?? throw new JsonException("The message is not a JSON object.");
            return true;
        }
        catch (JsonException e)
        {
            root = null;
            error = LooksLikeBase64(json)
                ? "The message is not JSON; it looks base64-encoded. Jobs are plain UTF-8 JSON (queue messageEncoding: none)."
                : $"The message is not a JSON object: {e.Message}";
            return false;
        }
    }

    /// <summary>Reads a job from an already-parsed object (the queue message or the HTTP body).</summary>
    public static bool TryRead(JsonObject root, out FollowUpJob? job, out string? error)
    {
        job = null;
        var problems = new List<string>();
        var jobId = RequiredString(root, "jobId", problems);
        if (jobId is { Length: > MaxJobIdLength })
        {
            problems.Add($"jobId is longer than {MaxJobIdLength} characters.");
        }
        var pageId = RequiredString(root, "pageId", problems);
        if (pageId is not null && !MetaId.IsValid(pageId))
        {
            problems.Add("pageId must be a Page ID (a decimal number).");
        }
        var payload = RequiredString(root, "payload", problems, allowEmpty: true);
        var psid = OptionalString(root, "psid", problems);
        if (psid is not null && !MetaId.IsValid(psid))
        {
            problems.Add("psid must be a PSID (a decimal number).");
        }
        var message = root["message"] as JsonObject;
        problems.AddRange(MessageProblems(root["message"]));

        error = problems.Count == 0 ? null : string.Join(" ", problems);
        if (error is null)
        {
            job = new FollowUpJob(jobId!, pageId!, payload!, psid, (JsonObject)message!.DeepClone());
        }
        return error is null;
    }

    public JsonObject ToJsonObject()
    {
        var json = new JsonObject { ["jobId"] = JobId, ["pageId"] = PageId, ["payload"] = Payload };
        if (Psid is not null)
        {
            json["psid"] = Psid;
        }
        json["message"] = Message.DeepClone();
        return json;
    }

    public string ToJson() => ToJsonObject().ToJsonString(Serialization);

    /// <summary>
    /// Why this job is too large to be served, or null: every segment message it becomes (the job and a segment
    /// cursor) must fit a queue message, and the job as submitted is kept in a table property.
    /// </summary>
    public string? SizeProblem() => FollowUpJobLimits.Problem(ToJson());

    /// <summary>What Meta would refuse about the message itself, checked before any token is spent on it.</summary>
    private static IEnumerable<string> MessageProblems(JsonNode? message)
    {
        if (message is not JsonObject body)
        {
            yield return "message is required: a Send API message object such as {\"text\":\"...\"}.";
            yield break;
        }
        var text = body["text"];
        var attachment = body["attachment"];
        if (text is null && attachment is null)
        {
            yield return "message needs a text or an attachment.";
        }
        if (text is not null && (text.GetValueKind() != JsonValueKind.String || text.GetValue<string>().Length is 0 or > MaxTextLength))
        {
            yield return $"message.text must be a string of 1 to {MaxTextLength} characters.";
        }
        if (attachment is not null and not JsonObject)
        {
            yield return "message.attachment must be an object.";
        }
    }

    private static string? RequiredString(JsonObject root, string name, List<string> problems, bool allowEmpty = false)
    {
        var node = root[name];
        if (node?.GetValueKind() == JsonValueKind.String && (allowEmpty || node.GetValue<string>().Length > 0))
        {
            return node.GetValue<string>();
        }
        problems.Add($"{name} is required and must be a{(allowEmpty ? "" : " non-empty")} string.");
        return null;
    }

    private static string? OptionalString(JsonObject root, string name, List<string> problems)
    {
        var node = root[name];
        if (node is null)
        {
            return null;
        }
        if (node.GetValueKind() == JsonValueKind.String && node.GetValue<string>().Length > 0)
        {
            return node.GetValue<string>();
        }
        problems.Add($"{name}, when present, must be a non-empty string.");
        return null;
    }

    private static bool LooksLikeBase64(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length >= 4 && trimmed.Length % 4 == 0 && Convert.TryFromBase64String(trimmed, new byte[trimmed.Length], out _);
    }

    // The message text is the Page's content for its users: keep it out of logs.
    public override string ToString() => $"FollowUpJob {{ JobId = {JobId}, PageId = {PageId}, Psid = {Psid} }}";
}
