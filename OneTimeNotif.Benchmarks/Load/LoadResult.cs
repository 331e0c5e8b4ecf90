namespace OneTimeNotif.Benchmarks.Load;

/// <summary>What a load loop achieved.</summary>
/// <param name="Items">Units of work done by the operations that succeeded (opt-ins stored, for ingest).</param>
/// <param name="Elapsed">From the first start to the last operation's end, the ones still in flight at the deadline included.</param>
/// <param name="LatenciesMs">Each successful operation's duration.</param>
/// <param name="FailureReasons">The first few failures' reasons, for the report.</param>
internal sealed record LoadResult(long Items, int Operations, int Failures, TimeSpan Elapsed, IReadOnlyList<double> LatenciesMs, IReadOnlyList<string> FailureReasons)
{
    public double ItemsPerSecond => Items / Elapsed.TotalSeconds;

    /// <summary>Nearest-rank percentile of the successful operations' latencies (p99 of 50 samples is the slowest).</summary>
    public double LatencyPercentileMs(double percentile)
    {
        if (LatenciesMs.Count == 0)
        {
            return double.NaN;
        }
        var sorted = LatenciesMs.Order().ToList();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}

/// <summary>One operation's result: how many items it completed, or why it failed.</summary>
internal readonly record struct Outcome(int Items, string? Failure)
{
    public static Outcome Done(int items) => new(items, null);

    public static Outcome Failed(string reason) => new(0, reason);
}
