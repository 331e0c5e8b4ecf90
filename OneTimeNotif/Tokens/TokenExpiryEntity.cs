using OneTimeNotif.Storage;

namespace OneTimeNotif.Tokens;

/// <summary>
/// The purge index: one row per token in the <c>OtnTokenExpiries</c> table, partitioned by the UTC day the token
/// expires and a shard (see <see cref="ExpiryIndex"/>), so the purge reads whole past days and never scans live tokens.
/// </summary>
internal sealed class TokenExpiryEntity : TableRow
{
    public string TokenPartitionKey { get; set; } = "";
    public string TokenRowKey { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>The columns the purge and its dry run need: the keys of the index row and of its token.</summary>
    public static readonly IReadOnlyList<string> KeyColumns =
        [nameof(PartitionKey), nameof(RowKey), nameof(TokenPartitionKey), nameof(TokenRowKey), nameof(ExpiresAt)];

    public static TokenExpiryEntity For(TokenEntity token)
    {
        var rowKey = $"{token.PartitionKey}_{token.RowKey}";
        return new()
        {
            PartitionKey = ExpiryIndex.Partition(token.ExpiresAt, rowKey),
            RowKey = rowKey,
            TokenPartitionKey = token.PartitionKey,
            TokenRowKey = token.RowKey,
            ExpiresAt = token.ExpiresAt,
        };
    }
}
