using System.Globalization;
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

    public static string DayPartition(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static TokenExpiryEntity For(TokenEntity token) => new()
    {
        PartitionKey = DayPartition(token.ExpiresAt),
        RowKey = $"{token.PartitionKey}_{token.RowKey}",
        TokenPartitionKey = token.PartitionKey,
        TokenRowKey = token.RowKey,
        ExpiresAt = token.ExpiresAt,
    };
}
