using Microsoft.Extensions.Options;
using NCrontab;
using OneTimeNotif.Purge;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Host.Scheduling;

/// <summary>
/// The standalone host's stand-in for the Functions timer trigger: runs the purge at each occurrence of
/// <c>PurgeSchedule</c> (UTC), on this host's <see cref="TimeProvider"/>, one instance at a time through
/// <see cref="PurgeLock"/>. A missed occurrence is not caught up: the next run purges everything expired anyway.
/// </summary>
public sealed class PurgeScheduler(
    RetentionPurge purge,
    PurgeLock purgeLock,
    TimeProvider time,
    IOptions<PurgeScheduleOptions> options,
    ILogger<PurgeScheduler> logger) : BackgroundService
{
    /// <summary>Timers take at most about 49 days; a yearly schedule waits in steps of this, asking the clock each time.</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var schedule = options.Value.Schedule;
        while (!stoppingToken.IsCancellationRequested)
        {
            // From the clock, not from the last occurrence: occurrences missed during a long run are skipped.
            var occurrence = NextOccurrence(schedule);
            SchedulerLog.Scheduled(logger, occurrence, options.Value.Expression);
            await WaitUntilAsync(occurrence, stoppingToken).ConfigureAwait(false);
            await RunAsync(occurrence, stoppingToken).ConfigureAwait(false);
        }
    }

    private DateTimeOffset NextOccurrence(CrontabSchedule schedule) =>
        new(DateTime.SpecifyKind(schedule.GetNextOccurrence(time.GetUtcNow().UtcDateTime), DateTimeKind.Utc));

    private async Task WaitUntilAsync(DateTimeOffset occurrence, CancellationToken stoppingToken)
    {
        TimeSpan remaining;
        while ((remaining = occurrence - time.GetUtcNow()) > TimeSpan.Zero)
        {
            await Task.Delay(remaining < MaxWait ? remaining : MaxWait, time, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>One occurrence: run under the lease, or skip when another instance holds it or already ran it.</summary>
    internal async Task RunAsync(DateTimeOffset occurrence, CancellationToken stoppingToken)
    {
        try
        {
            await using var lease = await purgeLock.TryAcquireAsync(stoppingToken).ConfigureAwait(false);
            if (lease is null)
            {
                SchedulerLog.SkippedLeaseHeld(logger, occurrence);
                return;
            }
            if (await lease.ReadLastOccurrenceAsync(stoppingToken).ConfigureAwait(false) >= occurrence)
            {
                SchedulerLog.SkippedAlreadyRun(logger, occurrence);
                return;
            }
            using var run = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
            SchedulerLog.Running(logger, occurrence);
            var report = await purge.RunAsync(run.Token).ConfigureAwait(false);
            await lease.RecordOccurrenceAsync(occurrence, stoppingToken).ConfigureAwait(false);
            SchedulerLog.Ran(logger, occurrence, report.TokensDeleted, report.JobsDeleted);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            SchedulerLog.LeaseLost(logger, occurrence);
        }
        catch (Exception e) when (StorageFailure.IsStorageFault(e))
        {
            // The host stays up; the next occurrence resumes where this run stopped.
            SchedulerLog.Failed(logger, occurrence, e);
        }
    }
}
