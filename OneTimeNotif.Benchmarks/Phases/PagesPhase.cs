using OneTimeNotif.Benchmarks.Reporting;
using OneTimeNotif.Benchmarks.Running;
using OneTimeNotif.SendApi;

namespace OneTimeNotif.Benchmarks.Phases;

/// <summary>
/// Many Pages at once on one host: 50 Pages at the default 40/s each, one job per Page. Each Page's budget is its
/// own, so the aggregate is what one host (and storage) can do, and the CPU a delivery costs it.
/// </summary>
internal sealed class PagesPhase : IBenchmarkPhase
{
    private const int Pages = 50;

    /// <summary>Recipients per Page: twelve seconds at 40/s, --recipients in all at most.</summary>
    private const int MaxRecipientsPerPage = 500;

    public string Name => "pages";

    public int Order => 26;

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        var perPage = Math.Max(1, Math.Min(MaxRecipientsPerPage, run.Options.Recipients / Pages));
        var setup = new FanOutSetup($"{Pages} Pages at 40/s, one host", Pages, perPage, 1, null, SendApiOptions.MetaMaxMessagesPerSecond);
        var result = await FanOutScenario.RunAsync(run, setup, cancellationToken);
        FanOutScenario.Report(run, Name, result);
        run.Report(new Figure(Name, setup.Label, "aggregate / (Pages x 40/s)", result.DeliveredPerSecond / (Pages * 40.0), "", 2));
    }
}
