using System.Collections.Concurrent;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// Answers "may a call to Meta start now for this job?" without a storage read per call, and still keeps the
/// promise that no call starts after a cancel has answered, across every instance.
/// </summary>
/// <remarks>
/// A read of the job's state is trusted for <see cref="Freshness"/>, measured from before the read was sent. Table
/// Storage is strongly consistent, so a read that still saw the job running was sent before the cancel was written;
/// the cancel answers <see cref="CancelSettleTime"/> (longer than <see cref="Freshness"/>) after its write, so
/// every call allowed by that read has started before the cancel answers. The cost is one point read per job per
/// instance per <see cref="Freshness"/>, instead of one per recipient. Elapsed time is measured on the real clock
/// (<see cref="TimeProvider.System"/>), never on the business clock tests move.
/// </remarks>
public sealed class JobStateGate(FollowUpJobStore jobs, TimeProvider clock)
{
    public static readonly TimeSpan Freshness = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a cancel waits after its write before answering: the freshness and a margin for clock-rate drift.</summary>
    public static readonly TimeSpan CancelSettleTime = Freshness + TimeSpan.FromMilliseconds(200);

    /// <summary>Entries of jobs no longer served are dropped once the cache holds this many.</summary>
    private const int PruneAbove = 256;

    private readonly ConcurrentDictionary<string, (JobState State, long ReadSentAt)> _seen = new();

    /// <returns>
    /// The job's state as of less than <see cref="Freshness"/> ago; null when the job is not recorded. Only
    /// "running" is answered from memory: a job seen stopped may have been resumed since, and acting on a stale stop
    /// would drop a segment of a running job, so any other state is read again.
    /// </returns>
    public async ValueTask<JobState?> CurrentStateAsync(string jobId, CancellationToken cancellationToken)
    {
        if (_seen.TryGetValue(jobId, out var seen) && seen.State == JobState.Running && clock.GetElapsedTime(seen.ReadSentAt) < Freshness)
        {
            return seen.State;
        }
        var sentAt = clock.GetTimestamp();
        var job = await jobs.FindAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            _seen.TryRemove(jobId, out _);
            return null;
        }
        if (_seen.Count > PruneAbove)
        {
            foreach (var stale in _seen.Where(e => clock.GetElapsedTime(e.Value.ReadSentAt) >= Freshness).ToList())
            {
                _seen.TryRemove(stale);
            }
        }
        _seen[jobId] = (job.State, sentAt);
        return job.State;
    }

    public async ValueTask<bool> IsRunningAsync(string jobId, CancellationToken cancellationToken) =>
        await CurrentStateAsync(jobId, cancellationToken).ConfigureAwait(false) == JobState.Running;
}
