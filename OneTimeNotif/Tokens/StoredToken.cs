namespace OneTimeNotif.Tokens;

/// <summary>A token as the store holds it.</summary>
public sealed record StoredToken(
    string PageId,
    string Psid,
    string Payload,
    string Token,
    DateTimeOffset OptedInAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? SpentAt,
    string RowKey,
    string? BoundJobId)
{
    public TokenKind Kind { get; init; }

    /// <summary>Recurring: the title of the request the user accepted.</summary>
    public string? Title { get; init; }

    /// <summary>Recurring: the IANA zone Meta recommends sending in.</summary>
    public string? Timezone { get; init; }

    /// <summary>Recurring: Meta's <c>user_token_status</c>.</summary>
    public string? UserTokenStatus { get; init; }

    /// <summary>Recurring: the user stopped notifications on this token.</summary>
    public bool Stopped { get; init; }

    /// <summary>Recurring: when the user last stopped the token.</summary>
    public DateTimeOffset? StoppedAt { get; init; }

    /// <summary>Recurring: when a message was last sent with this token.</summary>
    public DateTimeOffset? LastSentAt { get; init; }

    /// <summary>Unspent, unexpired and not stopped: Meta would still accept it.</summary>
    public bool IsLiveAt(DateTimeOffset now) => TokenLifetime.IsLive(SpentAt, ExpiresAt, Stopped, now);

    /// <summary>Live and not reserved by a follow-up job.</summary>
    public bool IsAvailableAt(DateTimeOffset now) => TokenLifetime.IsAvailable(SpentAt, ExpiresAt, Stopped, BoundJobId, now);

    public override string ToString() => $"StoredToken {{ PageId = {PageId}, Psid = {Psid}, Kind = {Kind}, ExpiresAt = {ExpiresAt:O} }}";
}

/// <summary>
/// What one save did: new tokens stored, tokens that were already there (Meta re-delivers events), opt-ins skipped
/// because storage can never hold them (too large for a table property, or refused for their content), opt-ins of
/// erased users made before their erasure, not stored again, and recurring tokens whose state a later stop or resume
/// event changed.
/// </summary>
public readonly record struct SaveResult(int Stored, int AlreadyStored, int Unusable = 0, int Erased = 0, int Changed = 0);
