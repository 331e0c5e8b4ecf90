using Microsoft.Extensions.Logging;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Purge;

/// <summary>
/// How long one purge run may work. Functions ends a run at <c>functionTimeout</c> whatever it is doing; a run that
/// stops itself first leaves only whole steps behind and says what it did, and the next run carries on from the
/// index rows that are left.
/// </summary>
internal sealed class PurgeBudget(TimeProvider time, DateTimeOffset start, TimeSpan budget, ILogger logger)
{
    private static readonly TimeSpan FirstBackOff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestBackOff = TimeSpan.FromSeconds(30);

    private volatile bool _cutShort;

    /// <summary>True once a step was left undone because the budget was spent.</summary>
    public bool CutShort => _cutShort;

    /// <summary>Whether another step may start; once it may not, the run is marked as cut short.</summary>
    public bool AllowsMore()
    {
        if (time.GetUtcNow() - start < budget)
        {
            return true;
        }
        _cutShort = true;
        return false;
    }

    /// <summary>
    /// Runs <paramref name="step"/>, and again after a growing pause while storage throttles it (the SDK's own quick
    /// retries already failed): a busy partition slows the run down instead of ending it. A step is safe to run again
    /// because everything it deletes goes before the index row that leads to it.
    /// </summary>
    public async Task RunThrottledAsync(string what, Func<CancellationToken, Task> step, CancellationToken cancellationToken)
    {
        var pause = FirstBackOff;
        while (true)
        {
            try
            {
                await step(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (StorageRefusal.IsThrottling(e) && AllowsMore())
            {
                PurgeLog.Throttled(logger, what, pause, e);
                // Storage's load is in real time, whatever clock the business runs on.
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(LongestBackOff.Ticks, pause.Ticks * 2));
            }
        }
    }
}
