using OneTimeNotif.Benchmarks.Running;

namespace OneTimeNotif.Benchmarks;

/// <summary>
/// One phase of the benchmark command. A new phase is one new class implementing this interface: the catalog
/// finds it, <c>--phases</c> accepts its <see cref="Name"/>, and its figures join the summary table.
/// </summary>
internal interface IBenchmarkPhase
{
    /// <summary>The name <c>--phases</c> selects it by (lower case, no commas).</summary>
    string Name { get; }

    /// <summary>Phases run in ascending order, whatever order <c>--phases</c> lists them in.</summary>
    int Order { get; }

    /// <summary>
    /// Runs the phase: starts what it needs through <paramref name="run"/>, prints its figures as it goes, adds
    /// them to the summary, and reports correctness failures with <see cref="BenchmarkRun.Fail"/>. Every load
    /// loop in it must end by itself (a duration or a count).
    /// </summary>
    Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken);
}
