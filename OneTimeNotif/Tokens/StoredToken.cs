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
    /// <summary>Unspent and unexpired: Meta would still accept it.</summary>
    public bool IsLiveAt(DateTimeOffset now) => TokenLifetime.IsLive(SpentAt, ExpiresAt, now);

    /// <summary>Live and not reserved by a follow-up job.</summary>
    public bool IsAvailableAt(DateTimeOffset now) => TokenLifetime.IsAvailable(SpentAt, ExpiresAt, BoundJobId, now);

    public override string ToString() => $"StoredToken {{ PageId = {PageId}, Psid = {Psid}, ExpiresAt = {ExpiresAt:O} }}";
}

/// <summary>
/// What one save did: new tokens stored, tokens that were already there (Meta re-delivers events), opt-ins skipped
/// because storage can never hold them (too large for a table property, or refused for their content), and opt-ins of
/// erased users made before their erasure, not stored again.
/// </summary>
public readonly record struct SaveResult(int Stored, int AlreadyStored, int Unusable = 0, int Erased = 0);
