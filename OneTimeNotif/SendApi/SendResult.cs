namespace OneTimeNotif.SendApi;

/// <summary>What a Send API call means for the caller, after Meta's error codes are classified.</summary>
public enum SendStatus
{
    /// <summary>Meta accepted the message; for a token send, the token is now spent.</summary>
    Sent,

    /// <summary>
    /// Rate limited (codes 4, 17, 32, 613, 80001, 80006, HTTP 429), or the Page's shared budget is paused or taken for
    /// longer than a send may wait: nothing was delivered; retry later (<see cref="SendResult.RetryAfter"/>) with the same token.
    /// </summary>
    Throttled,

    /// <summary>Meta or the network failed (HTTP 5xx, codes 1 and 2, a timeout): retry later with the same token.</summary>
    Transient,

    /// <summary>The OTN token is used, expired or invalid (code 100, window errors on a token send): it is spent.</summary>
    TokenRejected,

    /// <summary>A recurring token was sent within Meta's interval (4/2018354): nothing was sent; the token may go again later.</summary>
    TooSoon,

    /// <summary>The user cannot be reached (551, 10/2018108, 10/1893015): recorded, the token is not spent.</summary>
    UserUnavailable,

    /// <summary>The Page's set-up is wrong (190, 200, 10, a bad appsecret_proof, no token configured): stop, burn nothing.</summary>
    ConfigurationFault,

    /// <summary>Meta refused the message itself (a parameter error about its content): stop, burn nothing.</summary>
    MessageRejected,

    /// <summary>Any other refusal from Meta.</summary>
    Failed,

    /// <summary>The caller withdrew its permission before the call left (the job stopped or was cancelled): nothing reached Meta.</summary>
    NotStarted,
}

/// <param name="MessageId">Meta's <c>message_id</c> when sent.</param>
/// <param name="Reason">Why, for people: Meta's code and subcode and what they mean. Never a token or a message text.</param>
/// <param name="RetryAfter">For <see cref="SendStatus.Throttled"/>: when the Page's budget is expected back, when known.</param>
public sealed record SendResult(SendStatus Status, string? MessageId = null, string? Reason = null, MetaError? Error = null, TimeSpan? RetryAfter = null)
{
    public static SendResult Sent(string messageId) => new(SendStatus.Sent, messageId);

    /// <summary>The Page's budget is not available within the wait a send is allowed: no call was made.</summary>
    public static SendResult NoBudget(string pageId, TimeSpan retryAfter) =>
        new(SendStatus.Throttled, Reason: $"Page {pageId}'s send budget is paused or taken for the next {retryAfter.TotalSeconds:0.0} s", RetryAfter: retryAfter);

    /// <summary>Refused with a code that may be about the Page rather than this one user (see <see cref="SendErrorClassifier.MayConcernThePage"/>).</summary>
    public bool MayConcernThePage => Error is { } error && Status != SendStatus.Sent && SendErrorClassifier.MayConcernThePage(error);
}

/// <summary>The fields of Meta's <c>{"error":{...}}</c> body that classification and support need.</summary>
public sealed record MetaError(int HttpStatus, int? Code, int? Subcode, string? Type, string? FbTraceId)
{
    public override string ToString() =>
        $"Meta error {Code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}{(Subcode is { } s ? $"/{s}" : "")} (HTTP {HttpStatus}{(FbTraceId is null ? "" : $", fbtrace_id {FbTraceId}")})";
}
