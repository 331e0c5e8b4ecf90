using OneTimeNotif.SendApi;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.OptInRequests;

/// <summary>
/// Turns Meta's answer to a request (OTN or recurring) into a result the caller can act on. The request-specific
/// codes come first; the rest follows the Send API classification shared with follow-ups.
/// </summary>
internal static class MetaAnswers
{
    private const int RepeatedRequestCode = 613;
    private const int RepeatedRequestSubcode = 1893016;
    private const int RequestLimitCode = 9;
    private const int RequestLimitSubcode = 2018352;
    private const int NotAllowedCode = 10;
    private const int BadPageTokenCode = 190;
    private const int NoMatchingUserSubcode = 2018001;

    public static OptInRequestResult ToResult(string pageId, TokenKind kind, SendResult sent)
    {
        if (sent.Status == SendStatus.Sent)
        {
            return new OptInRequestResult(OptInRequestStatus.Sent, sent.MessageId);
        }
        if (sent.Error is not { } error)
        {
            // No answer from Meta: the Page's send budget is paused or taken, the network failed, or no access
            // token is configured for the Page.
            return sent.Status switch
            {
                SendStatus.ConfigurationFault => Result(OptInRequestStatus.PageMisconfigured, $"Page {pageId} is misconfigured: {sent.Reason}"),
                SendStatus.Throttled => Result(OptInRequestStatus.TooManyRequests, $"{sent.Reason}: nothing was sent; try again later.") with { RetryAfter = sent.RetryAfter },
                _ => Result(OptInRequestStatus.MetaUnavailable, $"{sent.Reason} Nothing is known to be sent; try again later."),
            };
        }
        return FromError(pageId, kind, sent, error);
    }

    private static OptInRequestResult FromError(string pageId, TokenKind kind, SendResult sent, MetaError error) => (error.Code, error.Subcode) switch
    {
        (RepeatedRequestCode, RepeatedRequestSubcode) when kind == TokenKind.Recurring => Result(OptInRequestStatus.TooManyRequests,
            $"{error}: a recurring request with this title was already sent to this user this week (Meta allows one a week); wait for their answer or change the title.", error),
        (RepeatedRequestCode, RepeatedRequestSubcode) => Result(OptInRequestStatus.TooManyRequests,
            $"{error}: a request on this topic was already sent to this user; wait for their answer before asking again.", error),
        (RequestLimitCode, RequestLimitSubcode) => Result(OptInRequestStatus.TooManyRequests,
            $"{error}: this user has reached Meta's limit of opt-in requests; ask again later.", error),
        (NotAllowedCode, _) when SendErrorClassifier.IsUnavailableUser(error) => Result(OptInRequestStatus.UserNotReachable,
            $"{error}: the user is not available or stopped notifications.", error),
        (NotAllowedCode, not null) => Result(OptInRequestStatus.UserNotReachable,
            $"{error}: the user is outside the 24-hour messaging window; send the request while they are talking with the Page.", error),
        (BadPageTokenCode, _) => Result(OptInRequestStatus.PageMisconfigured,
            $"{error}: Meta refused the access token of Page {pageId}; check Messenger__Pages__{pageId}__AccessToken.", error),
        (100, NoMatchingUserSubcode) => Result(OptInRequestStatus.Invalid,
            $"{error}: Meta knows no user with this PSID on Page {pageId}.", error),
        _ => FromStatus(pageId, sent, error),
    };

    private static OptInRequestResult FromStatus(string pageId, SendResult sent, MetaError error) => sent.Status switch
    {
        SendStatus.Throttled => Result(OptInRequestStatus.TooManyRequests, $"{sent.Reason}; try again later.", error) with { RetryAfter = sent.RetryAfter },
        SendStatus.Transient => Result(OptInRequestStatus.MetaUnavailable, $"{sent.Reason}; try again later.", error),
        SendStatus.UserUnavailable => Result(OptInRequestStatus.UserNotReachable, sent.Reason, error),
        SendStatus.ConfigurationFault => Result(OptInRequestStatus.PageMisconfigured, $"Page {pageId}: {sent.Reason}.", error),
        SendStatus.MessageRejected => Result(OptInRequestStatus.Invalid, $"{sent.Reason}.", error),
        _ => Result(OptInRequestStatus.Refused, $"{sent.Reason}.", error),
    };

    private static OptInRequestResult Result(OptInRequestStatus status, string? reason, MetaError? error = null) =>
        new(status, Reason: reason, Error: error);
}
