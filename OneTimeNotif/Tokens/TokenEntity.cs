using OneTimeNotif.Storage;

namespace OneTimeNotif.Tokens;

/// <summary>One stored opt-in token in the <c>OtnTokens</c> table.</summary>
internal sealed class TokenEntity : TableRow
{
    public string PageId { get; set; } = "";
    public string Psid { get; set; } = "";
    public string Payload { get; set; } = "";
    public string Token { get; set; } = "";
    public DateTimeOffset OptedInAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Set once Meta accepted a message for this token, or refused the token; a spent token is never sent again.</summary>
    public DateTimeOffset? SpentAt { get; set; }

    /// <summary>
    /// The follow-up job this token is reserved for, set in the same transaction that creates the job's delivery
    /// record, so two jobs can never pick the same token. Empty once released (the user was unavailable).
    /// </summary>
    public string? BoundJobId { get; set; }

    public static TokenEntity From(OptIn optIn) => new()
    {
        PartitionKey = TokenKeys.Partition(optIn.PageId, optIn.Payload),
        RowKey = TokenKeys.Row(optIn.Psid, optIn.Token),
        PageId = optIn.PageId,
        Psid = optIn.Psid,
        Payload = optIn.Payload,
        Token = optIn.Token,
        OptedInAt = optIn.OptedInAt,
        ExpiresAt = optIn.ExpiresAt,
    };

    /// <summary>Every property but <see cref="Token"/>: the columns the operator reads select.</summary>
    public static readonly IReadOnlyList<string> SummaryColumns =
        [nameof(PageId), nameof(Psid), nameof(Payload), nameof(OptedInAt), nameof(ExpiresAt), nameof(SpentAt), nameof(BoundJobId)];

    /// <summary>Live and not reserved by a follow-up job: a token a job may bind.</summary>
    public bool IsAvailableAt(DateTimeOffset now) => TokenLifetime.IsAvailable(SpentAt, ExpiresAt, BoundJobId, now);

    public TokenSummary ToSummary() => new(PageId, Psid, Payload, OptedInAt, ExpiresAt, SpentAt, Reservation);

    public StoredToken ToStoredToken() => new(PageId, Psid, Payload, Token, OptedInAt, ExpiresAt, SpentAt, RowKey, Reservation);

    /// <summary>The job the token is reserved for; a released reservation is stored as an empty string.</summary>
    private string? Reservation => string.IsNullOrEmpty(BoundJobId) ? null : BoundJobId;
}
