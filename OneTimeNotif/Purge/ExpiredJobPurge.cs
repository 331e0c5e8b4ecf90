using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Purge;

/// <summary>
/// Deletes finished follow-up jobs recorded before the retention cut-off (completed, cancelled, or stopped before
/// it): their delivery records (one range in the topic's partition), their segment rows and the job row, found
/// through the by-day job index. A binding still open is ended with its record: released, or spent when its call
/// may have reached Meta, so no token stays reserved for a job that is gone.
/// </summary>
internal sealed class ExpiredJobPurge(StorageTables tables, TableBatches batches, ILogger logger)
{
    public async Task RunAsync(DateTimeOffset now, DateTimeOffset cutoff, PurgeBudget budget, PurgeTally tally, CancellationToken cancellationToken)
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
                if (await PurgeJobAsync(indexed.JobId, now, cutoff, tally, ct).ConfigureAwait(false))
                {
                    // The index row goes last, so a run cut off anywhere above finds this job again next time.
                    tally.Deleted((await batches.DeleteAsync(tables.JobDays, indexed.PartitionKey, [indexed.RowKey], ct).ConfigureAwait(false)).Applied);
                }
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <returns>False when the job is kept (not finished yet): its index row stays for a later run.</returns>
    private async Task<bool> PurgeJobAsync(string jobId, DateTimeOffset now, DateTimeOffset cutoff, PurgeTally tally, CancellationToken cancellationToken)
    {
        var response = await tables.Jobs.GetEntityIfExistsAsync<JobEntity>(JobEntity.Partition(jobId), JobEntity.Row, cancellationToken: cancellationToken).ConfigureAwait(false);
        var job = response.ValueOrNull();
        // No job: an earlier run deleted it (its rows went before it), or the write that followed the index row failed.
        // A younger job under the same ID is the ID reused after an earlier purge: its own index row covers it.
        if (job is null || job.JobId != jobId || job.CreatedAt > cutoff)
        {
            return true;
        }
        tally.Read(1);
        if (!IsFinishedBy(job, cutoff))
        {
            return false;
        }

        var deliveries = await DeleteDeliveriesAsync(job, now, tally, cancellationToken).ConfigureAwait(false);
        var segments = await batches.DeleteRangeAsync(tables.Jobs, job.PartitionKey, SegmentEntity.RowPrefix, tally.Read, cancellationToken).ConfigureAwait(false);
        // The job row after its records: while it exists, the next run can still find and finish them.
        var jobRows = (await batches.DeleteAsync(tables.Jobs, job.PartitionKey, [JobEntity.Row], cancellationToken).ConfigureAwait(false)).Applied;
        tally.Deleted(deliveries + segments + jobRows);
        tally.JobDeleted(deliveries);
        PurgeLog.JobDeleted(logger, jobId, deliveries);
        return true;
    }

    /// <summary>A running or queued job is never purged under its workers; a stopped one is kept for the retention after it stopped.</summary>
    private static bool IsFinishedBy(JobEntity job, DateTimeOffset cutoff) => job.State switch
    {
        JobState.Completed or JobState.Cancelled => true,
        JobState.Stopped => (job.StateChangedAt ?? job.CreatedAt) <= cutoff,
        _ => false,
    };

    /// <summary>
    /// Deletes the job's delivery records a page at a time, each page's twin rows (which name the user, for erasure)
    /// before the records: a run cut off in between finds the records again, and their twins are derived from them.
    /// Finished records go in batches; a binding still open goes with the end of its token's reservation.
    /// </summary>
    private async Task<int> DeleteDeliveriesAsync(JobEntity job, DateTimeOffset now, PurgeTally tally, CancellationToken cancellationToken)
    {
        var partition = TokenKeys.Partition(job.PageId, job.Payload);
        string[] select = [nameof(ITableEntity.RowKey), nameof(DeliveryEntity.State), nameof(DeliveryEntity.TokenRowKey), nameof(DeliveryEntity.MayHaveReachedMeta)];
        var deleted = 0;
        var pages = tables.Tokens.QueryAsync<DeliveryEntity>(KeyRange.Filter(partition, DeliveryEntity.RowPrefix(job.JobId)), select: select, cancellationToken: cancellationToken).AsPages();
        await foreach (var page in pages.ConfigureAwait(false))
        {
            tally.Read(page.Values.Count);
            tally.Deleted((await batches.DeleteAsync(tables.Tokens, partition, page.Values.Select(d => DeliveryEntity.UserRowOf(d.RowKey)), cancellationToken).ConfigureAwait(false)).Applied);
            var finished = page.Values.Where(d => d.State != DeliveryState.Bound).Select(d => d.RowKey);
            deleted += (await batches.DeleteAsync(tables.Tokens, partition, finished, cancellationToken).ConfigureAwait(false)).Applied;
            foreach (var open in page.Values.Where(d => d.State == DeliveryState.Bound))
            {
                deleted += await DeleteBindingAsync(partition, open, now, cancellationToken).ConfigureAwait(false) ? 1 : 0;
            }
        }
        return deleted;
    }

    /// <summary>Deletes an open binding and ends its token's reservation in one transaction.</summary>
    private async Task<bool> DeleteBindingAsync(string partition, DeliveryEntity binding, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var token = new TableEntity(partition, binding.TokenRowKey);
        if (binding.MayHaveReachedMeta)
        {
            token[nameof(TokenEntity.SpentAt)] = now;
        }
        else
        {
            token[nameof(TokenEntity.BoundJobId)] = "";
        }
        try
        {
            await tables.Tokens.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, binding.RowKey), ETag.All),
                    new TableTransactionAction(TableTransactionActionType.UpdateMerge, token, ETag.All),
                ],
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status == 404 && e.FailedTransactionActionIndex == 1)
        {
            // The token is gone already (purged at its expiry): the record goes alone.
            return (await batches.DeleteAsync(tables.Tokens, partition, [binding.RowKey], cancellationToken).ConfigureAwait(false)).Applied == 1;
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
            // A run cut off earlier deleted the record.
            return false;
        }
    }
}
