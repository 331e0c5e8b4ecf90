namespace OneTimeNotif.Benchmarks;

/// <summary>What one benchmark command was asked to do.</summary>
/// <param name="Duration">How long each timed ingest run sends.</param>
/// <param name="Recipients">Users opted in on the topic each fan-out run messages.</param>
/// <param name="Concurrency">Concurrent senders in the timed ingest runs.</param>
/// <param name="Phases">Names of the phases to run.</param>
/// <param name="HostSettings">Extra environment variables for every host process, for experiments.</param>
/// <param name="WaitIdle">How long each run may wait for other processes to go quiet before it starts.</param>
/// <param name="PurgeTokens">Tokens stored in each purge run, of which 0.1 %, 1 % and 10 % have expired.</param>
internal sealed record BenchmarkOptions(
    TimeSpan Duration,
    int Recipients,
    int Concurrency,
    IReadOnlyList<string> Phases,
    IReadOnlyDictionary<string, string> HostSettings,
    TimeSpan WaitIdle,
    int PurgeTokens)
{
    public static IReadOnlyDictionary<string, string> ParseSettings(IEnumerable<string> settings) =>
        settings.Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    public static IReadOnlyList<string> SplitPhases(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.ToLowerInvariant())
            .Distinct()
            .ToList();
}
