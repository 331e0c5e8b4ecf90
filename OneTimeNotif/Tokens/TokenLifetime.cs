namespace OneTimeNotif.Tokens;

/// <summary>When a token may still be sent: one rule for the stored row and for the records the store hands out.</summary>
internal static class TokenLifetime
{
    /// <summary>Unspent and unexpired: Meta would still accept it.</summary>
    public static bool IsLive(DateTimeOffset? spentAt, DateTimeOffset expiresAt, DateTimeOffset now) => spentAt is null && expiresAt > now;

    /// <summary>Live and not reserved by a follow-up job; an empty job ID is a released reservation.</summary>
    public static bool IsAvailable(DateTimeOffset? spentAt, DateTimeOffset expiresAt, string? boundJobId, DateTimeOffset now) =>
        IsLive(spentAt, expiresAt, now) && string.IsNullOrEmpty(boundJobId);
}
