using Microsoft.Extensions.Logging;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// Cancels a follow-up job: no call to Meta starts once the cancel has answered, calls already under way finish, and
/// every open binding of the job ends (released, or recorded unknown when a call may have reached Meta).
/// </summary>
public sealed class FollowUpCancellation(FollowUpJobStore jobs, FollowUpQueueClient queue, ILogger<FollowUpCancellation> logger)
{
    /// <returns>The job's status afterwards (cancelled, or completed if it completed first); null for an unknown job.</returns>
    public async Task<FollowUpStatus?> CancelAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        var job = await jobs.CancelAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return null;
        }
        var segments = await jobs.GetSegmentsAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job.State != JobState.Cancelled)
        {
            return FollowUpJobStore.StatusOf(job, segments);
        }
        FollowUpLog.Cancelled(logger, jobId);
        // Workers trust a read of the job's state for a moment (JobStateGate): once that moment has passed, every
        // call allowed by a read from before the cancel has started, and none can start after this answer.
        await Task.Delay(JobStateGate.CancelSettleTime, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        // Segments waiting for a retry, or left by a stop, still hold bindings: served again, each ends its own.
        if (FollowUpJob.TryParse(job.Job, out var submitted, out _))
        {
            foreach (var open in segments.Where(s => s is { Done: false, Until: not null }))
            {
                await queue.EnqueueSegmentAsync(FollowUpMessage.Segment(submitted!, open.After), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            }
        }
        return FollowUpJobStore.StatusOf(job, segments);
    }
}
