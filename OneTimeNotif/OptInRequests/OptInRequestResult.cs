using OneTimeNotif.SendApi;

namespace OneTimeNotif.OptInRequests;

/// <summary>What became of an OTN request, in terms a caller can act on.</summary>
public enum OptInRequestStatus
{
    Sent,

    /// <summary>The request broke a rule (checked before calling Meta), or Meta refused one of its parameters.</summary>
    Invalid,

    /// <summary>Meta refused to ask again: a repeated request on the topic (613/1893016), the user's opt-in request limit (9/2018352), or throttling.</summary>
    TooManyRequests,

    /// <summary>The user cannot be asked now: outside the 24-hour window (code 10), or unavailable.</summary>
    UserNotReachable,

    /// <summary>The Page's set-up is wrong: its access token (190), a permission (200, 10), the App Secret proof.</summary>
    PageMisconfigured,

    /// <summary>Meta could not be reached or failed: nothing is known to be sent; try again later.</summary>
    MetaUnavailable,

    /// <summary>Any other refusal from Meta.</summary>
    Refused,
}

/// <param name="MessageId">Meta's <c>message_id</c> when sent.</param>
/// <param name="Reason">Why, for people; never a token, the title or the payload.</param>
/// <param name="Error">Meta's error, when Meta answered with one.</param>
public sealed record OptInRequestResult(OptInRequestStatus Status, string? MessageId = null, string? Reason = null, MetaError? Error = null)
{
    /// <summary>For <see cref="OptInRequestStatus.TooManyRequests"/> from the Page's send budget: when to try again, when known.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static OptInRequestResult Invalid(string reason) => new(OptInRequestStatus.Invalid, Reason: reason);
}

/// <summary>The answer to a sent OTN request.</summary>
public sealed record OptInRequestSent(string PageId, string Psid, string MessageId);
