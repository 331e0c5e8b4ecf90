namespace OneTimeNotif.Tokens;

/// <summary>
/// What operators may see of a stored token: everything but the token itself, which is a bearer credential for one
/// message and never leaves the store through these reads.
/// </summary>
public sealed record TokenSummary(
    string PageId,
    string Psid,
    string Payload,
    DateTimeOffset OptedInAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? SpentAt,
    string? BoundJobId)
{
    /// <summary>Unspent and unexpired: Meta would still accept it.</summary>
    public bool IsLiveAt(DateTimeOffset now) => TokenLifetime.IsLive(SpentAt, ExpiresAt, now);
}

/// <summary>
/// An entry of the purge index whose expiry has passed, and the token it points to; <see cref="Token"/> is null when
/// that token no longer exists (its write failed, or a purge deleted it before it removed the index row).
/// </summary>
public sealed record ExpiredToken(DateTimeOffset ExpiresAt, TokenSummary? Token);
