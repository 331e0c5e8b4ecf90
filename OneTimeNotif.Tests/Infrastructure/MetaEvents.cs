using System.Text.RegularExpressions;
using System.Text.Json.Nodes;

namespace OneTimeNotif.Tests.Infrastructure;

/// <summary>Webhook bodies shaped like Meta's deliveries.</summary>
public static partial class MetaEvents
{
    private static long _nextId = Random.Shared.NextInt64(1_000_000_000, 9_000_000_000);

    /// <summary>A numeric ID no other test uses, so tests sharing one Azurite stay apart.</summary>
    public static string NewId() => Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string NewToken() => $"otn-{Guid.NewGuid():N}";

    public static JsonObject OptIn(string pageId, string psid, string payload, string token, DateTimeOffset at) => new()
    {
        ["sender"] = new JsonObject { ["id"] = psid },
        ["recipient"] = new JsonObject { ["id"] = pageId },
        ["timestamp"] = at.ToUnixTimeMilliseconds(),
        ["optin"] = new JsonObject
        {
            ["type"] = "one_time_notif_req",
            ["payload"] = payload,
            ["one_time_notif_token"] = token,
        },
    };

    public static string NewRecurringToken() => $"nm-{Guid.NewGuid():N}";

    /// <summary>Meta's "does not expire" expiry on recurring tokens made since 2023: 2038-01-01.</summary>
    public const long NeverExpires = 2_145_916_800_000;

    /// <summary>
    /// A <c>notification_messages</c> event as Meta documents it: an opt-in, or with <paramref name="status"/>
    /// (<c>STOP_NOTIFICATIONS</c>, <c>RESUME_NOTIFICATIONS</c>) a stop or resume of the same token.
    /// </summary>
    public static JsonObject RecurringOptIn(
        string pageId, string psid, string payload, string token, DateTimeOffset at,
        string? status = null, long? expiryMs = NeverExpires, string title = "Weekly deals", string timezone = "UTC")
    {
        var optin = new JsonObject
        {
            ["type"] = "notification_messages",
            ["payload"] = payload,
            ["notification_messages_token"] = token,
            ["notification_messages_timezone"] = timezone,
            ["user_token_status"] = "NOT_REFRESHED",
            ["title"] = title,
        };
        if (expiryMs is not null)
        {
            optin["token_expiry_timestamp"] = expiryMs;
        }
        if (status is not null)
        {
            optin["notification_messages_status"] = status;
        }
        return new JsonObject
        {
            ["sender"] = new JsonObject { ["id"] = psid },
            ["recipient"] = new JsonObject { ["id"] = pageId },
            ["timestamp"] = at.ToUnixTimeMilliseconds(),
            ["optin"] = optin,
        };
    }

    public static JsonObject Message(string pageId, string psid, string text) => new()
    {
        ["sender"] = new JsonObject { ["id"] = psid },
        ["recipient"] = new JsonObject { ["id"] = pageId },
        ["timestamp"] = 1_700_000_000_000,
        ["message"] = new JsonObject { ["mid"] = $"m_{Guid.NewGuid():N}", ["text"] = text },
    };

    public static JsonObject Entry(string pageId, params JsonObject[] messaging) => new()
    {
        ["id"] = pageId,
        ["time"] = 1_700_000_000_000,
        ["messaging"] = new JsonArray([.. messaging]),
    };

    /// <summary>The envelope, serialized the way Meta does: non-ASCII escaped as \uXXXX.</summary>
    public static string Envelope(params JsonObject[] entries) =>
        new JsonObject { ["object"] = "page", ["entry"] = new JsonArray([.. entries]) }.ToJsonString();

    /// <summary>The same envelope with every non-ASCII character as raw UTF-8 (emoji included, which encoders escape).</summary>
    public static string RawUtf8Envelope(params JsonObject[] entries) =>
        UnicodeEscape().Replace(Envelope(entries), m =>
            Convert.ToInt32(m.Groups[1].Value, 16) is var code and >= 0x80 ? ((char)code).ToString() : m.Value);

    [GeneratedRegex(@"\\u([0-9a-fA-F]{4})")]
    private static partial Regex UnicodeEscape();
}
