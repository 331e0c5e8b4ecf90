using Azure.Data.Tables;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Tokens;

/// <summary>
/// The purge index: one row per token in the <c>OtnTokenExpiries</c> table, partitioned by the UTC day the token
/// expires, so the purge reads whole past days and never scans live tokens.
/// </summary>
internal sealed class TokenExpiryEntity : TableRow
{
    public string TokenPartitionKey { get; set; } = "";
    public string TokenRowKey { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>
    /// The index rows of tokens expired by <paramref name="now"/>: the purge deletes them, its dry run lists them.
    /// Days before today hold expired tokens only; in today's partition ExpiresAt decides, and one condition on
    /// ExpiresAt serves both. Purged tokens lose their index rows, so the range holds just what is left to do.
    /// </summary>
    public static string ExpiredBy(DateTimeOffset now) =>
        TableClient.CreateQueryFilter($"PartitionKey le {DayPartition.Of(now)} and ExpiresAt le {now}");

    public static TokenExpiryEntity For(TokenEntity token) => new()
    {
        PartitionKey = DayPartition.Of(token.ExpiresAt),
        RowKey = $"{token.PartitionKey}_{token.RowKey}",
        TokenPartitionKey = token.PartitionKey,
        TokenRowKey = token.RowKey,
        ExpiresAt = token.ExpiresAt,
    };
}
