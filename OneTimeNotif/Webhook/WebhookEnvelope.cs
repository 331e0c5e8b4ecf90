using System.Text.Json;
using OneTimeNotif.Configuration;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Webhook;

/// <summary>
/// Reads Meta's webhook envelope (<c>{"object":"page","entry":[{"messaging":[...]}]}</c>) and picks out the opt-ins:
/// OTN (<c>one_time_notif_req</c>) and recurring (<c>notification_messages</c>, with their stop and resume events).
/// It is lenient about everything else: an unknown event kind or shape is counted and skipped, because a 4xx for
/// one odd event would make Meta retry, and eventually disable, the whole webhook.
/// </summary>
public static class WebhookEnvelope
{
    public const string OneTimeNotifOptInType = "one_time_notif_req";
    public const string RecurringOptInType = "notification_messages";
    public const string StopStatus = "STOP_NOTIFICATIONS";
    public const string ResumeStatus = "RESUME_NOTIFICATIONS";

    private static readonly JsonDocumentOptions Strict = new() { AllowTrailingCommas = false, MaxDepth = 64 };

    /// <summary>Reads the opt-ins, or returns false with a reason when the body is not a JSON object.</summary>
    /// <param name="receivedAt">The opt-in time when neither the event nor its entry carries one.</param>
    public static bool TryReadOptIns(ReadOnlyMemory<byte> body, DateTimeOffset receivedAt, out OptInBatch batch, out string? error)
    {
        batch = new OptInBatch([], 0, 0);
        try
        {
            using var document = JsonDocument.Parse(body, Strict);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "The body must be a JSON object.";
                return false;
            }
            batch = ReadEnvelope(document.RootElement, receivedAt);
            error = null;
            return true;
        }
        catch (JsonException e)
        {
            // JsonException messages give a position, never content, so they are safe to return.
            error = $"The body is not valid JSON: {e.Message}";
            return false;
        }
    }

    private static OptInBatch ReadEnvelope(JsonElement root, DateTimeOffset receivedAt)
    {
        var optIns = new List<OptIn>();
        int unusable = 0, ignored = 0;
        // Only Page subscriptions carry Messenger events; Instagram or user-object deliveries are not ours.
        if ((root.TryGetProperty("object", out var kind) && kind.ValueKind == JsonValueKind.String && !kind.ValueEquals("page"))
            || !root.TryGetProperty("entry", out var entries) || entries.ValueKind != JsonValueKind.Array)
        {
            return new OptInBatch(optIns, 0, 1);
        }
        foreach (var entry in entries.EnumerateArray())
        {
            if (!TryGetMessaging(entry, out var messaging))
            {
                ignored++;
                continue;
            }
            foreach (var item in messaging.EnumerateArray())
            {
                switch (ReadOptIn(item, entry, receivedAt, out var optIn))
                {
                    case EventKind.OptIn: optIns.Add(optIn!); break;
                    case EventKind.UnusableOptIn: unusable++; break;
                    default: ignored++; break;
                }
            }
        }
        return new OptInBatch(optIns, unusable, ignored);
    }

    /// <summary>Entries without a messaging array (feed changes, standby...) are not Messenger events.</summary>
    private static bool TryGetMessaging(JsonElement entry, out JsonElement messaging)
    {
        messaging = default;
        return entry.ValueKind == JsonValueKind.Object
            && entry.TryGetProperty("messaging", out messaging)
            && messaging.ValueKind == JsonValueKind.Array;
    }

    private enum EventKind { Other, OptIn, UnusableOptIn }

    private static EventKind ReadOptIn(JsonElement item, JsonElement entry, DateTimeOffset receivedAt, out OptIn? optIn)
    {
        optIn = null;
        if (item.ValueKind != JsonValueKind.Object
            || !item.TryGetProperty("optin", out var optin)
            || optin.ValueKind != JsonValueKind.Object
            || !optin.TryGetProperty("type", out var type)
            || type.ValueKind != JsonValueKind.String
            || !(type.ValueEquals(OneTimeNotifOptInType) || type.ValueEquals(RecurringOptInType)))
        {
            return EventKind.Other;
        }
        try
        {
            return ReadOptInFields(item, optin, entry, receivedAt, type.ValueEquals(RecurringOptInType), out optIn);
        }
        catch (InvalidOperationException)
        {
            // A "\uD83D" escape without its other half is valid JSON but cannot become .NET text (GetString throws),
            // nor be stored. Meta never sends one; the event is unusable, and its siblings are still stored.
            return EventKind.UnusableOptIn;
        }
    }

    private static EventKind ReadOptInFields(JsonElement item, JsonElement optin, JsonElement entry, DateTimeOffset receivedAt, bool recurring, out OptIn? optIn)
    {
        optIn = null;
        var token = String(optin, recurring ? "notification_messages_token" : "one_time_notif_token");
        var psid = Id(item, "sender");
        var pageId = Id(item, "recipient") ?? String(entry, "id");
        if (string.IsNullOrEmpty(token) || !MetaId.IsValid(psid) || !MetaId.IsValid(pageId))
        {
            return EventKind.UnusableOptIn;
        }
        // For a recurring token the event's time also orders its stops and resumes, which Meta delivers in no set order.
        var optedInAt = Milliseconds(item, "timestamp") ?? Milliseconds(entry, "time") ?? receivedAt;
        RecurringOptIn? details = null;
        if (recurring && !TryReadRecurring(optin, optedInAt, out details))
        {
            return EventKind.UnusableOptIn;
        }
        optIn = new OptIn(pageId!, psid!, String(optin, "payload") ?? "", token, optedInAt, details);
        return EventKind.OptIn;
    }

    /// <summary>A <c>notification_messages</c> event's own fields; false for a status this service does not know.</summary>
    private static bool TryReadRecurring(JsonElement optin, DateTimeOffset eventAt, out RecurringOptIn? details)
    {
        details = null;
        RecurringChange? change = String(optin, "notification_messages_status") switch
        {
            null => RecurringChange.OptIn,
            StopStatus => RecurringChange.Stop,
            ResumeStatus => RecurringChange.Resume,
            _ => null,
        };
        if (change is null)
        {
            return false;
        }
        var expiresAt = RecurringExpiry.FromMeta(Milliseconds(optin, "token_expiry_timestamp"), eventAt);
        details = new RecurringOptIn(change.Value, expiresAt, String(optin, "title"), String(optin, "notification_messages_timezone"), String(optin, "user_token_status"));
        return true;
    }

    private static string? Id(JsonElement item, string party) =>
        item.TryGetProperty(party, out var element) && element.ValueKind == JsonValueKind.Object ? String(element, "id") : null;

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>Meta's timestamps are Unix milliseconds; out-of-range values are treated as absent.</summary>
    private static DateTimeOffset? Milliseconds(JsonElement element, string name)
    {
        if (element.ValueKind == JsonValueKind.Object
            && element.TryGetProperty(name, out var value)
            && value.ValueKind == JsonValueKind.Number
            && value.TryGetInt64(out var ms)
            && ms > 0 && ms < DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() - 366L * 24 * 3600 * 1000)
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }
        return null;
    }
}
