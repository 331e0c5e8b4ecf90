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
    public TokenKind Kind { get; init; }

    /// <summary>Recurring: the user stopped notifications on this token.</summary>
    public bool Stopped { get; init; }

    /// <summary>Recurring: when the user last stopped the token.</summary>
    public DateTimeOffset? StoppedAt { get; init; }

    /// <summary>Recurring: when a message was last sent with this token.</summary>
    public DateTimeOffset? LastSentAt { get; init; }

    /// <summary>Unspent, unexpired and not stopped: Meta would still accept it.</summary>
    public bool IsLiveAt(DateTimeOffset now) => TokenLifetime.IsLive(SpentAt, ExpiresAt, Stopped, now);

    /// <summary>A live recurring token sent less than <paramref name="interval"/> ago: Meta refuses another message with it until then.</summary>
    public bool IsCoolingDownAt(DateTimeOffset now, TimeSpan interval) => IsLiveAt(now) && LastSentAt is { } sent && now < sent + interval;

    /// <summary>A stopped recurring token that has not expired: kept, because the user may resume it.</summary>
    public bool IsStoppedAt(DateTimeOffset now) => Stopped && SpentAt is null && ExpiresAt > now;
}

/// <summary>
/// An entry of the purge index whose expiry has passed, and the token it points to; <see cref="Token"/> is null when
/// that token no longer exists (its write failed, or a purge deleted it before it removed the index row).
/// </summary>
public sealed record ExpiredToken(DateTimeOffset ExpiresAt, TokenSummary? Token);

/// <summary>A recurring token a purge would delete: expired, or (<see cref="Stopped"/>) stopped for longer than the retention.</summary>
public sealed record DueRecurringToken(TokenSummary Token, bool Stopped);
