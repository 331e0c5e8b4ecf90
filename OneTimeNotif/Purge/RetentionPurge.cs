using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Purge;

/// <summary>
/// One purge run: deletes every token whose expiry has passed, recurring tokens stopped for longer than
/// <see cref="PurgeOptions.StoppedTokenRetention"/>, and every follow-up job (with its delivery records) older than
/// <see cref="PurgeOptions.DeliveryRetention"/>. Both are found through by-day indexes, so a run costs
/// what has expired, not what is stored. A run cut off midway leaves index rows behind, and the next run resumes
/// from them. The hosts' timers call it; one run at a time is theirs to ensure.
/// </summary>
public sealed class RetentionPurge(StorageTables tables, TableBatches batches, TimeProvider time, IOptionsMonitor<PurgeOptions> options, ILogger<RetentionPurge> logger)
{
    private readonly ExpiredTokenPurge _tokens = new(tables, batches, logger);
    private readonly ExpiredJobPurge _jobs = new(tables, batches, logger);
    private readonly RecurringTokenPurge _recurring = new(tables, batches, logger);

    /// <summary>
    /// Purges until everything expired is gone or <see cref="PurgeOptions.TimeBudget"/> is spent, whichever comes
    /// first; <see cref="PurgeReport.Completed"/> says which. What is left is found again by the next run.
    /// </summary>
    public async Task<PurgeReport> RunAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var settings = options.CurrentValue;
        var cutoff = now - settings.DeliveryRetention;
        var budget = new PurgeBudget(time, now, settings.TimeBudget, logger);
        var stoppedBefore = now - settings.StoppedTokenRetention;
        var tally = new PurgeTally();
        PurgeLog.Started(logger, now, cutoff, settings.TimeBudget);
        try
        {
            await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
            await _tokens.RunAsync(now, budget, tally, cancellationToken).ConfigureAwait(false);
            if (!budget.CutShort)
            {
                await _recurring.RunAsync(now, stoppedBefore, budget, tally, cancellationToken).ConfigureAwait(false);
            }
            if (!budget.CutShort)
            {
                await _jobs.RunAsync(now, cutoff, budget, tally, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException || StorageFailure.IsStorageFault(e))
        {
            var partial = tally.ToReport(now);
            PurgeLog.CutOff(logger, e.GetType().Name, partial.TokensDeleted, partial.JobsDeleted, partial.DeliveryRecordsDeleted, partial.EntitiesRead);
            throw;
        }
        var report = tally.ToReport(now) with { Completed = !budget.CutShort };
        if (!report.Completed)
        {
            PurgeLog.BudgetSpent(logger, settings.TimeBudget, report.TokensDeleted, report.JobsDeleted, report.EntitiesRead);
            return report;
        }
        PurgeLog.Finished(logger, report.TokensDeleted, report.JobsDeleted, report.DeliveryRecordsDeleted, report.EntitiesRead, report.EntitiesDeleted);
        PurgeLog.StoppedTokensDeleted(logger, report.StoppedTokensDeleted, stoppedBefore);
        return report;
    }
}
