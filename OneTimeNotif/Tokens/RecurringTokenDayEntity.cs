using Azure.Data.Tables;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Tokens;

/// <summary>
/// The recurring tokens' purge index in <c>OtnRecurringTokenDays</c>: a row for the UTC day a recurring token expires
/// (partition <c>e_yyyyMMdd</c>) and for the day it was stopped (<c>s_yyyyMMdd</c>). Unlike the OTN expiry index,
/// a row here is a hint, not a verdict: a later event may extend the expiry or resume the token, so the purge reads
/// the token and deletes it only if it is still due. Recurring tokens with a real expiry or a stop are few (Meta's
/// tokens have not expired since 2023), so that read costs little.
/// </summary>
internal sealed class RecurringTokenDayEntity : TableRow
{
    private const string ExpiryPrefix = "e_";
    private const string StopPrefix = "s_";

    public string TokenPartitionKey { get; set; } = "";
    public string TokenRowKey { get; set; } = "";

    /// <summary>The instant the row is about: the expiry, or the stop.</summary>
    public DateTimeOffset At { get; set; }

    public static RecurringTokenDayEntity Expiry(TokenEntity token) => For(ExpiryPrefix, token, token.ExpiresAt);

    public static RecurringTokenDayEntity Stop(TokenEntity token) => For(StopPrefix, token, token.StoppedAt!.Value);

    /// <summary>Expiry rows of tokens expired by <paramref name="now"/>: the past days, and today's up to now.</summary>
    public static string ExpiredBy(DateTimeOffset now) => Through(ExpiryPrefix, now);

    /// <summary>Stop rows of tokens stopped by <paramref name="cutoff"/>.</summary>
    public static string StoppedBy(DateTimeOffset cutoff) => Through(StopPrefix, cutoff);

    /// <summary>Whether the purge at <paramref name="now"/> deletes the token for its expiry.</summary>
    public static bool IsExpiredBy(TokenEntity token, DateTimeOffset now) => token.IsRecurring && token.ExpiresAt <= now;

    /// <summary>Whether the purge deletes the token for having been stopped since before <paramref name="stoppedBefore"/>.</summary>
    public static bool IsStoppedBefore(TokenEntity token, DateTimeOffset stoppedBefore) =>
        token.IsRecurring && token.Stopped && token.StoppedAt <= stoppedBefore;

    /// <summary>The index rows a token needs: its expiry when it has one, its stop when it is stopped.</summary>
    public static IEnumerable<RecurringTokenDayEntity> RowsFor(TokenEntity token)
    {
        if (TokenLifetime.Expires(token.ExpiresAt))
        {
            yield return Expiry(token);
        }
        if (token.Stopped && token.StoppedAt is not null)
        {
            yield return Stop(token);
        }
    }

    private static RecurringTokenDayEntity For(string prefix, TokenEntity token, DateTimeOffset at) => new()
    {
        PartitionKey = prefix + DayPartition.Of(at),
        RowKey = $"{token.PartitionKey}_{token.RowKey}",
        TokenPartitionKey = token.PartitionKey,
        TokenRowKey = token.RowKey,
        At = at,
    };

    private static string Through(string prefix, DateTimeOffset instant) =>
        TableClient.CreateQueryFilter($"PartitionKey ge {prefix} and PartitionKey le {prefix + DayPartition.Of(instant)} and At le {instant}");
}
