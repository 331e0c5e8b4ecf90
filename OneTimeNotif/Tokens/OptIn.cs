namespace OneTimeNotif.Tokens;

/// <summary>
/// A user's "Notify me" tap: messages to <see cref="Psid"/> on <see cref="PageId"/>, on the topic <see cref="Payload"/>.
/// An OTN opt-in grants one message; a recurring one (<see cref="Recurring"/> set) grants messages until the user
/// stops them, and its stop and resume events travel as opt-ins of the same token too.
/// </summary>
/// <param name="OptedInAt">The event's time (Meta's <c>timestamp</c>): when the user tapped, stopped or resumed.</param>
/// <param name="Recurring">What a <c>notification_messages</c> event adds; null for an OTN opt-in.</param>
public sealed record OptIn(string PageId, string Psid, string Payload, string Token, DateTimeOffset OptedInAt, RecurringOptIn? Recurring = null)
{
    public TokenKind Kind => Recurring is null ? TokenKind.OneTime : TokenKind.Recurring;

    public DateTimeOffset ExpiresAt => Recurring?.ExpiresAt ?? ExpiryOf(OptedInAt);

    /// <summary>Meta: an OTN token expires one year after it was created; a calendar year, the way Meta states it.</summary>
    public static DateTimeOffset ExpiryOf(DateTimeOffset optedInAt) => optedInAt.AddYears(1);

    // The token is a bearer credential: it must never reach a log line through ToString.
    public override string ToString() => $"OptIn {{ PageId = {PageId}, Psid = {Psid}, Kind = {Kind}, OptedInAt = {OptedInAt:O} }}";
}

/// <summary>The two kinds of token Meta hands a Page for messages outside the 24-hour window.</summary>
public enum TokenKind
{
    /// <summary>One-Time Notification (<c>one_time_notif_req</c>): one message, expires a year after the opt-in.</summary>
    OneTime,

    /// <summary>Recurring Notifications (<c>notification_messages</c>): reusable, one message per token per 48 hours, until stopped.</summary>
    Recurring,
}

/// <summary>What a <c>notification_messages</c> webhook event carries beyond an OTN opt-in.</summary>
/// <param name="Change">Whether the event opts in, stops or resumes the token.</param>
/// <param name="ExpiresAt">Meta's <c>token_expiry_timestamp</c>, or <see cref="TokenLifetime.NoExpiry"/> when absent or far away.</param>
/// <param name="Title">The title of the request the user accepted.</param>
/// <param name="Timezone">The IANA zone Meta recommends sending in (<c>notification_messages_timezone</c>).</param>
/// <param name="UserTokenStatus">Meta's <c>user_token_status</c> (<c>NOT_REFRESHED</c>, <c>REFRESHED</c>).</param>
public sealed record RecurringOptIn(RecurringChange Change, DateTimeOffset ExpiresAt, string? Title, string? Timezone, string? UserTokenStatus)
{
    public bool Stops => Change == RecurringChange.Stop;
}

public enum RecurringChange
{
    OptIn,

    /// <summary><c>notification_messages_status: STOP_NOTIFICATIONS</c>: nothing may be sent with the token.</summary>
    Stop,

    /// <summary><c>notification_messages_status: RESUME_NOTIFICATIONS</c>: the token may be used again.</summary>
    Resume,
}
