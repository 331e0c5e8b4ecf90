using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Purge;

/// <summary>
/// One purge run: deletes every token whose expiry has passed and every follow-up job (with its delivery records)
/// older than <see cref="PurgeOptions.DeliveryRetention"/>. Both are found through by-day indexes, so a run costs
/// what has expired, not what is stored. A run cut off midway leaves index rows behind, and the next run resumes
/// from them. The hosts' timers call it; one run at a time is theirs to ensure.
/// </summary>
public sealed class TokenPurge(StorageTables tables, TimeProvider time, IOptionsMonitor<PurgeOptions> options, ILogger<TokenPurge> logger)
{
    private readonly ExpiredTokenPurge _tokens = new(tables, logger);
    private readonly ExpiredJobPurge _jobs = new(tables, logger);

    public async Task<PurgeReport> RunAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var cutoff = now - options.CurrentValue.DeliveryRetention;
        var tally = new PurgeTally();
        PurgeLog.Started(logger, now, cutoff);
        try
        {
            await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
            await _tokens.RunAsync(now, tally, cancellationToken).ConfigureAwait(false);
            await _jobs.RunAsync(now, cutoff, tally, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException || StorageFailure.IsStorageFault(e))
        {
            var partial = tally.ToReport(now);
            PurgeLog.CutOff(logger, e.GetType().Name, partial.TokensDeleted, partial.JobsDeleted, partial.DeliveryRecordsDeleted, partial.EntitiesRead);
            throw;
        }
        var report = tally.ToReport(now);
        PurgeLog.Finished(logger, report.TokensDeleted, report.JobsDeleted, report.DeliveryRecordsDeleted, report.EntitiesRead, report.EntitiesDeleted);
        return report;
    }
}
