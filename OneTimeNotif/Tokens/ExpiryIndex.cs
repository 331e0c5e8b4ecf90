using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Tokens;

/// <summary>
/// The layout and the reads of the expiry index <c>OtnTokenExpiries</c>. A day's rows are spread over
/// <see cref="ShardCount"/> partitions (<c>yyyyMMdd_s</c>, the shard taken from a hash of the token's keys), because
/// every opt-in writes one index row and a single partition per day would cap the whole deployment's ingest at one
/// partition's rate (about 2,000 entities/s). Rows written before the index was sharded sit in the plain day
/// partition <c>yyyyMMdd</c>; it is read as one more shard of its day, so nothing stored earlier is left unpurged.
/// </summary>
internal sealed class ExpiryIndex(StorageTables tables)
{
    /// <summary>Part of the stored format: lowering it would hide rows from the purge.</summary>
    public const int ShardCount = 16;

    public static string Partition(DateTimeOffset expiresAt, string rowKey)
    {
        var shard = SHA256.HashData(Encoding.UTF8.GetBytes(rowKey))[0] % ShardCount;
        return $"{DayPartition.Of(expiresAt)}_{shard.ToString("x", CultureInfo.InvariantCulture)}";
    }

    /// <summary>Every partition that may hold index rows of <paramref name="day"/> (<c>yyyyMMdd</c>): the legacy one first.</summary>
    public static IReadOnlyList<string> PartitionsOf(string day) =>
        [day, .. Enumerable.Range(0, ShardCount).Select(shard => $"{day}_{shard.ToString("x", CultureInfo.InvariantCulture)}")];

    /// <summary>
    /// The days, oldest first, that still hold index rows of tokens expired by <paramref name="now"/>. Each is found
    /// with a one-row range query starting after the previous day, so a run that empties a day moves on and a run
    /// that is cut off finds the same day again.
    /// </summary>
    public async IAsyncEnumerable<string> DueDaysAsync(DateTimeOffset now, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var end = DayPartition.Of(now.AddDays(1));
        var from = "";
        while (true)
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey ge {from} and PartitionKey lt {end} and ExpiresAt le {now}");
            var first = await FirstAsync(filter, cancellationToken).ConfigureAwait(false);
            if (first is null)
            {
                yield break;
            }
            var day = first[..DayPartition.Length];
            yield return day;
            from = DayPartition.Of(DateTimeOffset.ParseExact(day, DayPartition.Format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).AddDays(1));
        }
    }

    /// <summary>
    /// The index rows of one partition whose tokens expired by <paramref name="now"/>, a page at a time. Days before
    /// today hold expired tokens only; in today's shards ExpiresAt decides. Purged tokens lose their index rows, so
    /// the range holds just what is left to do.
    /// </summary>
    public IAsyncEnumerable<Page<TokenExpiryEntity>> DuePagesAsync(string partition, DateTimeOffset now, CancellationToken cancellationToken) =>
        tables.Expiries.QueryAsync<TokenExpiryEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {partition} and ExpiresAt le {now}"),
            select: TokenExpiryEntity.KeyColumns,
            cancellationToken: cancellationToken).AsPages();

    private async Task<string?> FirstAsync(string filter, CancellationToken cancellationToken)
    {
        // The service may answer a page with no rows and a continuation; the enumerator follows it.
        await foreach (var row in tables.Expiries.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: [nameof(ITableEntity.PartitionKey)], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            return row.PartitionKey;
        }
        return null;
    }
}
