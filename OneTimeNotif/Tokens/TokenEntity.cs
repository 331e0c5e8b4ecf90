using OneTimeNotif.Storage;

namespace OneTimeNotif.Tokens;

/// <summary>One stored opt-in token in the <c>OtnTokens</c> table: an OTN token or a recurring one.</summary>
internal sealed class TokenEntity : TableRow
{
    /// <summary>The stored <see cref="Kind"/> of a recurring token; OTN rows leave it empty (rows older than recurring support have none).</summary>
    public const string RecurringKind = "recurring";

    public string PageId { get; set; } = "";
    public string Psid { get; set; } = "";
    public string Payload { get; set; } = "";
    public string Token { get; set; } = "";
    public DateTimeOffset OptedInAt { get; set; }

    /// <summary>OTN: opt-in + one year. Recurring: Meta's expiry, or <see cref="TokenLifetime.NoExpiry"/>.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Set once Meta accepted a message for an OTN token, or refused a token; a spent token is never sent again.</summary>
    public DateTimeOffset? SpentAt { get; set; }

    /// <summary>
    /// The follow-up job this token is reserved for, set in the same transaction that creates the job's delivery
    /// record, so two jobs can never pick the same token. Empty once released.
    /// </summary>
    public string? BoundJobId { get; set; }

    /// <summary><see cref="RecurringKind"/>, or empty for an OTN token.</summary>
    public string? Kind { get; set; }

    /// <summary>Recurring: the title of the request the user accepted.</summary>
    public string? Title { get; set; }

    /// <summary>Recurring: the IANA zone Meta recommends sending in.</summary>
    public string? Timezone { get; set; }

    /// <summary>Recurring: Meta's <c>user_token_status</c> as last reported.</summary>
    public string? UserTokenStatus { get; set; }

    /// <summary>Recurring: the user stopped notifications on this token; nothing is sent with it while set.</summary>
    public bool Stopped { get; set; }

    /// <summary>Recurring: when the user last stopped the token (kept after a resume; <see cref="Stopped"/> decides).</summary>
    public DateTimeOffset? StoppedAt { get; set; }

    /// <summary>
    /// Recurring: the time of the webhook event (opt-in, stop or resume) the token's state comes from. Meta does not
    /// deliver events in order, so an event changes the state only when it is later than this.
    /// </summary>
    public DateTimeOffset? StatusAt { get; set; }

    /// <summary>Recurring: when a message was last sent (or may have been) with this token; Meta allows the next one an interval later.</summary>
    public DateTimeOffset? LastSentAt { get; set; }

    public bool IsRecurring => Kind == RecurringKind;

    public TokenKind TokenKind => IsRecurring ? TokenKind.Recurring : TokenKind.OneTime;

    public static TokenEntity From(OptIn optIn)
    {
        var entity = new TokenEntity
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
        if (optIn.Recurring is { } recurring)
        {
            entity.Kind = RecurringKind;
            entity.Title = recurring.Title;
            entity.Timezone = recurring.Timezone;
            entity.UserTokenStatus = recurring.UserTokenStatus;
            entity.Stopped = recurring.Stops;
            entity.StoppedAt = recurring.Stops ? optIn.OptedInAt : null;
            entity.StatusAt = optIn.OptedInAt;
        }
        return entity;
    }

    /// <summary>
    /// Whether a recurring event at <paramref name="at"/> decides the token's state over the one stored: the later
    /// event wins; of two at the same instant, a stop wins, because sending after a stop is the worse mistake.
    /// </summary>
    public bool IsSupersededBy(DateTimeOffset at, bool stops) =>
        StatusAt is not { } current || at > current || (at == current && stops && !Stopped);

    /// <summary>Every property but <see cref="Token"/>: the columns the operator reads select.</summary>
    public static readonly IReadOnlyList<string> SummaryColumns =
    [
        nameof(PageId), nameof(Psid), nameof(Payload), nameof(OptedInAt), nameof(ExpiresAt), nameof(SpentAt), nameof(BoundJobId),
        nameof(Kind), nameof(Stopped), nameof(StoppedAt), nameof(LastSentAt),
    ];

    /// <summary>Live and not reserved by a follow-up job: a token a job may bind.</summary>
    public bool IsAvailableAt(DateTimeOffset now) => TokenLifetime.IsAvailable(SpentAt, ExpiresAt, Stopped, BoundJobId, now);

    public TokenSummary ToSummary() => new(PageId, Psid, Payload, OptedInAt, ExpiresAt, SpentAt, Reservation)
    {
        Kind = TokenKind,
        Stopped = Stopped,
        StoppedAt = StoppedAt,
        LastSentAt = LastSentAt,
    };

    public StoredToken ToStoredToken() => new(PageId, Psid, Payload, Token, OptedInAt, ExpiresAt, SpentAt, RowKey, Reservation)
    {
        Kind = TokenKind,
        Title = Title,
        Timezone = Timezone,
        UserTokenStatus = UserTokenStatus,
        Stopped = Stopped,
        StoppedAt = StoppedAt,
        LastSentAt = LastSentAt,
    };

    /// <summary>The job the token is reserved for; a released reservation is stored as an empty string.</summary>
    private string? Reservation => string.IsNullOrEmpty(BoundJobId) ? null : BoundJobId;
}
