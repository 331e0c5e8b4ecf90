namespace OneTimeNotif.SendApi;

/// <summary>
/// Maps Meta's Send API errors to what the service must do (architecture invariant 7). Meta documents no
/// OTN-specific code for a used or expired token, so the 100 family and window errors on a token send mean
/// "spent"; 100 subcodes that describe the message's own parameters mean the message is wrong, not the token.
/// </summary>
public static class SendErrorClassifier
{
    private const int AppLimitCode = 4;
    private const int RepeatedRequestSubcodeOf613 = 1893016;

    /// <summary>4 the app, 17 a user, 32 Page calls, 613 the Send API's rate, 80001 Page calls, 80006 Messenger's business use case.</summary>
    private static readonly HashSet<int> ThrottlingCodes = [AppLimitCode, 17, 32, 613, 80001, 80006];
    private static readonly HashSet<int> TransientCodes = [1, 2];
    private static readonly HashSet<int> UserUnavailableSubcodesOf10 = [2018108, 1893015];
    private static readonly HashSet<int> WindowSubcodesOf10 = [2018278, 2018065, 2534022];

    /// <summary>Subcodes of 100 that are about the token or the recipient rather than the message.</summary>
    private static readonly HashSet<int> RecipientSubcodesOf100 = [2018001];

    /// <summary>Meta's 4/2018354: a recurring token was sent again within its interval (48 hours). About the token, not the Page's rate.</summary>
    private const int RecurringTooSoonSubcode = 2018354;

    /// <summary>Meta's 10/1893015: the user stopped notifications; for a recurring token, the token is stopped.</summary>
    private const int StoppedNotificationsSubcode = 1893015;

    /// <summary>The user stopped notifications (10/1893015): a recurring token that gets this answer is stopped.</summary>
    public static bool IsStoppedNotifications(MetaError error) =>
        error is { Code: 10, Subcode: StoppedNotificationsSubcode };

    /// <summary>Code 10 with a subcode saying the user is unavailable or stopped notifications (not the messaging window).</summary>
    internal static bool IsUnavailableUser(MetaError error) =>
        error.Code == 10 && error.Subcode is int s && UserUnavailableSubcodesOf10.Contains(s);

    /// <summary>Code 4: the app's own limit, across every Page; the whole app pauses.</summary>
    public static bool IsAppThrottle(MetaError error) => error?.Code == AppLimitCode && error.Subcode != RecurringTooSoonSubcode;

    /// <summary>
    /// A refusal that may be about the Page rather than one user: permission and window errors (10), missing
    /// permission (200), the Page's access token (190), and 100 without a subcode. Alone, each could be one user's
    /// token; when every send of a job on a Page so far is refused alike with one, the Page is the cause.
    /// </summary>
    public static bool MayConcernThePage(MetaError error) => error?.Code switch
    {
        10 => !IsUnavailableUser(error),
        200 or 190 => true,
        100 => error.Subcode is null,
        _ => false,
    };

    public static SendResult Classify(MetaError error, bool tokenSend, string? metaMessage)
    {
        ArgumentNullException.ThrowIfNull(error);
        var (status, meaning) = StatusOf(error, tokenSend, metaMessage);
        return new SendResult(status, Reason: $"{error}: {meaning}", Error: error);
    }

    private static (SendStatus, string) StatusOf(MetaError error, bool tokenSend, string? metaMessage) => error.Code switch
    {
        // Code 4 is otherwise the app's rate limit; with this subcode it is one recurring token's 48-hour rule.
        4 when tokenSend && error.Subcode == RecurringTooSoonSubcode => (SendStatus.TooSoon, "a message was sent with this recurring token within Meta's interval"),
        // Code and subcode decide first: this 613 is about one user (asked already), not about the rate.
        613 when error.Subcode == RepeatedRequestSubcodeOf613 => (SendStatus.Failed, "a request on this topic was already sent to this user"),
        _ when error.HttpStatus == 429 => (SendStatus.Throttled, "rate limited"),
        AppLimitCode => (SendStatus.Throttled, "the app's rate limit was reached (every Page pauses)"),
        int code when ThrottlingCodes.Contains(code) => (SendStatus.Throttled, "rate limited"),
        int code when TransientCodes.Contains(code) => (SendStatus.Transient, "Meta reports a temporary failure"),
        551 => (SendStatus.UserUnavailable, "the user is not available"),
        10 when IsUnavailableUser(error) => (SendStatus.UserUnavailable, "the user is not available or stopped notifications"),
        10 when tokenSend && error.Subcode is int s && WindowSubcodesOf10.Contains(s) => (SendStatus.TokenRejected, "the token can no longer be used"),
        10 or 200 => (SendStatus.ConfigurationFault, "the Page lacks a permission for this message"),
        190 => (SendStatus.ConfigurationFault, "the Page access token is invalid or expired"),
        // A wrong appsecret_proof also comes as code 100; it is our configuration, never the user's token.
        100 when metaMessage?.Contains("appsecret_proof", StringComparison.OrdinalIgnoreCase) == true => (SendStatus.ConfigurationFault, "appsecret_proof was refused: check Messenger__AppSecret"),
        // "(#100) Param message[text] ..." is Meta's wording for a bad parameter: the message is wrong, every
        // token would be refused alike, so stop instead of spending tokens on it.
        100 when metaMessage?.Contains("(#100) Param", StringComparison.Ordinal) == true => (SendStatus.MessageRejected, "Meta refused a parameter of the message"),
        100 when tokenSend && (error.Subcode is null || RecipientSubcodesOf100.Contains(error.Subcode.Value)) => (SendStatus.TokenRejected, "the token was already used, has expired or is invalid"),
        100 => (SendStatus.MessageRejected, "Meta refused a parameter of the message"),
        _ when error.HttpStatus >= 500 => (SendStatus.Transient, "Meta answered with a server error"),
        _ => (SendStatus.Failed, "Meta refused the request"),
    };
}
