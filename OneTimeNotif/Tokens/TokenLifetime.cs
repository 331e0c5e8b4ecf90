namespace OneTimeNotif.Tokens;

/// <summary>When a token may still be sent: one rule for the stored row and for the records the store hands out.</summary>
public static class TokenLifetime
{
    /// <summary>
    /// The expiry stored for a recurring token that does not expire (Meta's tokens made since 2023-08-10): the
    /// latest instant Table Storage holds, so "expires first" ordering and "expired by now" checks need no special case.
    /// </summary>
    public static readonly DateTimeOffset NoExpiry = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);

    public static bool Expires(DateTimeOffset expiresAt) => expiresAt < NoExpiry;

    /// <summary>Unspent, unexpired and not stopped by the user: Meta would still accept it.</summary>
    internal static bool IsLive(DateTimeOffset? spentAt, DateTimeOffset expiresAt, bool stopped, DateTimeOffset now) =>
        spentAt is null && !stopped && expiresAt > now;

    /// <summary>Live and not reserved by a follow-up job; an empty job ID is a released reservation.</summary>
    internal static bool IsAvailable(DateTimeOffset? spentAt, DateTimeOffset expiresAt, bool stopped, string? boundJobId, DateTimeOffset now) =>
        IsLive(spentAt, expiresAt, stopped, now) && string.IsNullOrEmpty(boundJobId);
}
