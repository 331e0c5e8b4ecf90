using System.Collections.Concurrent;
using System.Diagnostics;

namespace OneTimeNotif.Benchmarks.Load;

/// <summary>
/// Bounded load: concurrent workers repeat an operation until a duration has passed, or a fixed number of times.
/// Operations in flight at the deadline finish and count, and the elapsed time runs until they have, so the
/// rate is work done over the time it took.
/// </summary>
internal static class LoadLoop
{
    private const int KeptFailureReasons = 5;

    public static Task<LoadResult> ForDurationAsync(int workers, TimeSpan duration, Func<CancellationToken, Task<Outcome>> operation, CancellationToken cancellationToken) =>
        RunAsync(workers, (clock, _) => clock.Elapsed < duration, operation, cancellationToken);

    /// <summary>Runs <paramref name="count"/> operations one after another.</summary>
    public static Task<LoadResult> SequentialAsync(int count, Func<CancellationToken, Task<Outcome>> operation, CancellationToken cancellationToken) =>
        RunAsync(1, (_, started) => started < count, operation, cancellationToken);

    /// <param name="mayStart">Given the clock and how many operations have started, whether another may start.</param>
    private static async Task<LoadResult> RunAsync(
        int workers,
        Func<Stopwatch, int, bool> mayStart,
        Func<CancellationToken, Task<Outcome>> operation,
        CancellationToken cancellationToken)
    {
        var latencies = new ConcurrentQueue<double>();
        var reasons = new ConcurrentQueue<string>();
        long items = 0;
        int started = 0, failures = 0;
        var clock = Stopwatch.StartNew();

        async Task WorkAsync()
        {
            while (mayStart(clock, Volatile.Read(ref started)) && !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref started);
                var begin = clock.Elapsed;
                Outcome outcome;
                try
                {
                    outcome = await operation(cancellationToken);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    outcome = Outcome.Failed(e.GetType().Name);
                }
                if (outcome.Failure is null)
                {
                    latencies.Enqueue((clock.Elapsed - begin).TotalMilliseconds);
                    Interlocked.Add(ref items, outcome.Items);
                }
                else
                {
                    Interlocked.Increment(ref failures);
                    if (reasons.Count < KeptFailureReasons)
                    {
                        reasons.Enqueue(outcome.Failure);
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(WorkAsync, cancellationToken)));
        cancellationToken.ThrowIfCancellationRequested();
        return new LoadResult(items, started, failures, clock.Elapsed, [.. latencies], [.. reasons]);
    }
}
