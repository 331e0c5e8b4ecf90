namespace OneTimeNotif.Tokens;

/// <summary>A user's "Notify me" tap: one message to <see cref="Psid"/> on <see cref="PageId"/>, on the topic <see cref="Payload"/>.</summary>
public sealed record OptIn(string PageId, string Psid, string Payload, string Token, DateTimeOffset OptedInAt)
{
    public DateTimeOffset ExpiresAt => ExpiryOf(OptedInAt);

    /// <summary>Meta: a token expires one year after it was created; a calendar year, the way Meta states it.</summary>
    public static DateTimeOffset ExpiryOf(DateTimeOffset optedInAt) => optedInAt.AddYears(1);

    // The token is a bearer credential for one message: it must never reach a log line through ToString.
    public override string ToString() => $"OptIn {{ PageId = {PageId}, Psid = {Psid}, OptedInAt = {OptedInAt:O} }}";
}
