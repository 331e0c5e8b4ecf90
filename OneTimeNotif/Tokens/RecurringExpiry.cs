namespace OneTimeNotif.Tokens;

/// <summary>
/// Meta's <c>token_expiry_timestamp</c> on a recurring token. Tokens made since 2023-08-10 do not expire, and Meta
/// still sends a timestamp for them: a far-off sentinel (2038-01-01, <c>2145916800000</c>, in its examples). Stored
/// as such, the purge would delete them in 2038; so an expiry that is absent, or further than any Meta ever set
/// (it set months, then a year), is stored as <see cref="TokenLifetime.NoExpiry"/>.
/// </summary>
public static class RecurringExpiry
{
    /// <summary>Meta's "never" sentinel: 2038-01-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset MetaSentinel = DateTimeOffset.FromUnixTimeMilliseconds(2_145_916_800_000);

    /// <summary>Further than this from the event, an expiry is not a real one.</summary>
    public static readonly TimeSpan FarFuture = TimeSpan.FromDays(5 * 365);

    public static DateTimeOffset FromMeta(DateTimeOffset? expiry, DateTimeOffset eventAt) =>
        expiry is not { } at || at >= MetaSentinel || at - eventAt > FarFuture ? TokenLifetime.NoExpiry : at;
}
