using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Purge;

/// <summary>Deletes every token whose expiry has passed, found through the expiry index and never by reading tokens.</summary>
internal sealed class ExpiredTokenPurge(StorageTables tables, ILogger logger)
{
    /// <summary>Topic partitions are independent in Table Storage, so deleting several at once shortens a run.</summary>
    private const int MaxParallelPartitions = 8;

    public async Task RunAsync(DateTimeOffset now, PurgeTally tally, CancellationToken cancellationToken)
    {
        // The range holds just what is left to do: its size is what has expired, not what is stored.
        var filter = TokenExpiryEntity.ExpiredBy(now);
        string[] select =
        [
            nameof(TokenExpiryEntity.PartitionKey), nameof(TokenExpiryEntity.RowKey),
            nameof(TokenExpiryEntity.TokenPartitionKey), nameof(TokenExpiryEntity.TokenRowKey),
        ];
        var pages = tables.Expiries.QueryAsync<TokenExpiryEntity>(filter, select: select, cancellationToken: cancellationToken).AsPages();
        await foreach (var page in pages.ConfigureAwait(false))
        {
            tally.Read(page.Values.Count);
            await PurgeAsync(page.Values, tally, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PurgeAsync(IReadOnlyList<TokenExpiryEntity> expired, PurgeTally tally, CancellationToken cancellationToken)
    {
        // Tokens first, their index rows after: a run cut off in between leaves index rows, and the next run finds
        // them again and finishes the job. The reverse order could leave tokens no run would ever find.
        var topics = expired.GroupBy(e => e.TokenPartitionKey).Select(g => (Partition: g.Key, Rows: g.Select(e => e.TokenRowKey).ToList()));
        await Parallel.ForEachAsync(topics, InParallel(cancellationToken), async (topic, ct) =>
        {
            var deleted = await TableDeletes.DeleteRowsAsync(tables.Tokens, topic.Partition, topic.Rows, ct).ConfigureAwait(false);
            tally.TokensDeleted(deleted);
            PurgeLog.TokensDeleted(logger, deleted, topic.Rows.Count);
        }).ConfigureAwait(false);

        await Parallel.ForEachAsync(expired.GroupBy(e => e.PartitionKey), InParallel(cancellationToken), async (day, ct) =>
            tally.Deleted(await TableDeletes.DeleteRowsAsync(tables.Expiries, day.Key, day.Select(e => e.RowKey), ct).ConfigureAwait(false))).ConfigureAwait(false);
    }

    private static ParallelOptions InParallel(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = MaxParallelPartitions, CancellationToken = cancellationToken };
}
