using System.Text.Json.Nodes;

namespace OneTimeNotif.FakeSendApi;

/// <summary>A message the fake accepted: to an OTN token, a recurring token, or a PSID.</summary>
public sealed record FakeDelivery(string PageId, string? Token, string? Psid, JsonObject Message, string MessageId, DateTimeOffset At, string? RecurringToken = null);

/// <summary>One call the fake answered: when it arrived, for which Page, and whether it was throttled.</summary>
public sealed record FakeCall(string PageId, DateTimeOffset At, bool Throttled);

/// <summary>An error the fake answers with, in Meta's shape.</summary>
public sealed record FakeError(int HttpStatus, int Code, int? Subcode, string Message, string Type = "OAuthException")
{
    public static readonly FakeError Throttled = new(400, 613, null, "(#613) Calls to this api have exceeded the rate limit.");
    public static readonly FakeError AppLimit = new(400, 4, null, "(#4) Application request limit reached");
    public static readonly FakeError PageCallLimit = new(400, 80001, null, "(#80001) There have been too many calls to this Page account. Wait a bit and try again.");
    public static readonly FakeError MessengerLimit = new(400, 80006, null, "(#80006) There have been too many messages sent to this Page. Wait a bit and try again.");
    public static readonly FakeError TokenUsed = new(400, 100, null, "(#100) The one-time notification token has expired or has already been used.");
    public static readonly FakeError UserUnavailable = new(400, 551, 1545041, "(#551) This person isn't available right now.");
    public static readonly FakeError BadPageToken = new(400, 190, null, "Invalid OAuth access token - Cannot parse access token");
    public static readonly FakeError BadAppSecretProof = new(400, 100, null, "Invalid appsecret_proof provided in the API argument", "GraphMethodException");
    public static readonly FakeError ServerError = new(500, 2, null, "An unexpected error has occurred. Please retry your request later.");
    public static readonly FakeError RepeatedRequest = new(400, 613, 1893016, "(#613) You have already sent a request on this topic.");
    public static readonly FakeError OptInRequestLimit = new(400, 9, 2018352, "(#9) The opt-in request limit was reached for this user.");
    public static readonly FakeError OutsideWindow = new(400, 10, 2018278, "(#10) This message is sent outside of allowed window.");
    public static readonly FakeError OutsideWindowPolicy = new(400, 10, 2018065, "(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview");
    public static readonly FakeError MissingPermission = new(403, 200, null, "(#200) Requires pages_messaging permission to manage the object", "OAuthException");
    public static readonly FakeError RecurringTooSoon = new(400, 4, 2018354, "(#4) A message was already sent with this notification_messages_token within the allowed interval.");
    public static readonly FakeError RecurringStopped = new(400, 10, 1893015, "(#10) The user has stopped notifications for this topic.");

    /// <summary>A rate-limit answer (4, 17, 32, 613, 80001, 80006), not 613/1893016 or 4/2018354, which are about one user.</summary>
    public bool IsThrottling => Code is 4 or 17 or 32 or 613 or 80001 or 80006 && Subcode != RepeatedRequest.Subcode && Subcode != RecurringTooSoon.Subcode;

    public JsonObject ToJson(string traceId) => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = Message,
            ["type"] = Type,
            ["code"] = Code,
            ["error_subcode"] = Subcode,
            ["fbtrace_id"] = traceId,
        },
    };
}
