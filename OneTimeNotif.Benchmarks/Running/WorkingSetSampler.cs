using System.Diagnostics;

namespace OneTimeNotif.Benchmarks.Running;

/// <summary>
/// Samples a process's working set every 100 ms and keeps the peak since the last <see cref="Reset"/>: the
/// kernel's own peak (VmHWM) cannot be reset between runs, and 100 ms is short next to any run measured here.
/// </summary>
internal sealed class WorkingSetSampler : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly Process _process;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    // Process caches what it reads; Refresh and the read must not interleave between the timer and a caller.
    private readonly Lock _read = new();
    private long _peak;

    /// <param name="processId">A running process; it is opened here and closed with the sampler.</param>
    public WorkingSetSampler(int processId)
    {
        _process = Process.GetProcessById(processId);
        _sampling = SampleAsync(_stop.Token);
    }

    /// <summary>The highest working set seen since the sampler started or was last reset, in bytes.</summary>
    public long Peak
    {
        get
        {
            Sample();
            lock (_read)
            {
                return _peak;
            }
        }
    }

    /// <summary>Starts a new peak from the current working set.</summary>
    public void Reset()
    {
        lock (_read)
        {
            _peak = 0;
        }
        Sample();
    }

    private async Task SampleAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                Sample();
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException)
        {
            // Disposed: sampling ends with the process.
        }
    }

    private void Sample()
    {
        lock (_read)
        {
            try
            {
                _process.Refresh();
                if (!_process.HasExited)
                {
                    _peak = Math.Max(_peak, _process.WorkingSet64);
                }
            }
            catch (InvalidOperationException)
            {
                // The process ended between the check and the read.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
        _process.Dispose();
    }
}
