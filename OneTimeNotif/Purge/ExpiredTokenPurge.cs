using Microsoft.Extensions.Logging;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Purge;

/// <summary>
/// Deletes every token whose expiry has passed, found through the expiry index and never by reading tokens: day by
/// day, oldest first, every shard of a day at once.
/// </summary>
internal sealed class ExpiredTokenPurge(StorageTables tables, TableBatches batches, ILogger logger)
{
    private readonly ExpiryIndex _index = new(tables);

    public async Task RunAsync(DateTimeOffset now, PurgeBudget budget, PurgeTally tally, CancellationToken cancellationToken)
    {
        await foreach (var day in _index.DueDaysAsync(now, cancellationToken).ConfigureAwait(false))
        {
            tally.Read(1);
            var before = tally.ToReport(now).TokensDeleted;
            var parallel = TableBatches.InParallel(cancellationToken);
            await Parallel.ForEachAsync(ExpiryIndex.PartitionsOf(day), parallel, (partition, ct) => new ValueTask(
                budget.RunThrottledAsync($"expiry index {partition}", c => PurgePartitionAsync(partition, now, budget, tally, c), ct))).ConfigureAwait(false);
            PurgeLog.DayPurged(logger, day, tally.ToReport(now).TokensDeleted - before, budget.CutShort);
            if (budget.CutShort)
            {
                return;
            }
        }
    }

    private async Task PurgePartitionAsync(string partition, DateTimeOffset now, PurgeBudget budget, PurgeTally tally, CancellationToken cancellationToken)
    {
        // The range holds just what is left to do: its size is what has expired, not what is stored.
        await foreach (var page in _index.DuePagesAsync(partition, now, cancellationToken).ConfigureAwait(false))
        {
            if (page.Values.Count == 0)
            {
                // Every shard of a day is asked, and most answer an empty page for a day that is nearly done.
                continue;
            }
            tally.Read(page.Values.Count);
            await PurgeAsync(partition, page.Values, tally, cancellationToken).ConfigureAwait(false);
            if (!budget.AllowsMore())
            {
                return;
            }
        }
    }

    private async Task PurgeAsync(string partition, IReadOnlyList<TokenExpiryEntity> expired, PurgeTally tally, CancellationToken cancellationToken)
    {
        // Tokens first, their index rows after: a run cut off in between leaves index rows, and the next run finds
        // them again and finishes the job. The reverse order could leave tokens no run would ever find.
        var tokens = expired.Select(e => (Azure.Data.Tables.ITableEntity)new Azure.Data.Tables.TableEntity(e.TokenPartitionKey, e.TokenRowKey));
        var deleted = await batches.DeleteAsync(tables.Tokens, tokens, cancellationToken).ConfigureAwait(false);
        tally.TokensDeleted(deleted.Applied);
        PurgeLog.TokensDeleted(logger, deleted.Applied, expired.Count);

        var indexRows = await batches.DeleteAsync(tables.Expiries, partition, expired.Select(e => e.RowKey), cancellationToken).ConfigureAwait(false);
        tally.Deleted(indexRows.Applied);
    }
}
