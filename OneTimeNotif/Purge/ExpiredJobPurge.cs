using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Purge;

/// <summary>
/// Deletes follow-up jobs recorded before the retention cut-off: their delivery records (one range in the topic's
/// partition), their segment rows and the job row, found through the by-day job index.
/// </summary>
internal sealed class ExpiredJobPurge(StorageTables tables, TableBatches batches, ILogger logger)
{
    public async Task RunAsync(DateTimeOffset cutoff, PurgeBudget budget, PurgeTally tally, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey le {DayPartition.Of(cutoff)} and CreatedAt le {cutoff}");
        await foreach (var indexed in tables.JobDays.QueryAsync<JobDayEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!budget.AllowsMore())
            {
                return;
            }
            tally.Read(1);
            await budget.RunThrottledAsync($"follow-up job {indexed.JobId}", async ct =>
            {
                await PurgeJobAsync(indexed.JobId, cutoff, tally, ct).ConfigureAwait(false);
                // The index row goes last, so a run cut off anywhere above finds this job again next time.
                tally.Deleted((await batches.DeleteAsync(tables.JobDays, indexed.PartitionKey, [indexed.RowKey], ct).ConfigureAwait(false)).Applied);
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PurgeJobAsync(string jobId, DateTimeOffset cutoff, PurgeTally tally, CancellationToken cancellationToken)
    {
        var response = await tables.Jobs.GetEntityIfExistsAsync<JobEntity>(JobEntity.Partition(jobId), JobEntity.Row, cancellationToken: cancellationToken).ConfigureAwait(false);
        var job = response.ValueOrNull();
        // No job: an earlier run deleted it (its rows went before it), or the write that followed the index row failed.
        // A younger job under the same ID is the ID reused after an earlier purge: its own index row covers it.
        if (job is null || job.JobId != jobId || job.CreatedAt > cutoff)
        {
            return;
        }
        tally.Read(1);

        var deliveries = await DeleteDeliveriesAsync(TokenKeys.Partition(job.PageId, job.Payload), jobId, tally, cancellationToken).ConfigureAwait(false);
        var segments = await batches.DeleteRangeAsync(tables.Jobs, job.PartitionKey, SegmentEntity.RowPrefix, tally.Read, cancellationToken).ConfigureAwait(false);
        // The job row after its records: while it exists, the next run can still find and finish them.
        var jobRows = (await batches.DeleteAsync(tables.Jobs, job.PartitionKey, [JobEntity.Row], cancellationToken).ConfigureAwait(false)).Applied;
        tally.Deleted(deliveries + segments + jobRows);
        tally.JobDeleted(deliveries);
        PurgeLog.JobDeleted(logger, jobId, deliveries);
    }

    /// <summary>
    /// Deletes the job's delivery records a page at a time, each page's twin rows (which name the user, for erasure)
    /// before the records: a run cut off in between finds the records again, and their twins are derived from them.
    /// </summary>
    private async Task<int> DeleteDeliveriesAsync(string partition, string jobId, PurgeTally tally, CancellationToken cancellationToken)
    {
        var deleted = 0;
        var filter = KeyRange.Filter(partition, DeliveryEntity.RowPrefix(jobId));
        var pages = tables.Tokens.QueryAsync<TableEntity>(filter, select: [nameof(ITableEntity.RowKey)], cancellationToken: cancellationToken).AsPages();
        await foreach (var page in pages.ConfigureAwait(false))
        {
            tally.Read(page.Values.Count);
            var rows = page.Values.Select(e => e.RowKey).ToList();
            tally.Deleted((await batches.DeleteAsync(tables.Tokens, partition, rows.Select(DeliveryEntity.UserRowOf), cancellationToken).ConfigureAwait(false)).Applied);
            deleted += (await batches.DeleteAsync(tables.Tokens, partition, rows, cancellationToken).ConfigureAwait(false)).Applied;
        }
        return deleted;
    }
}
