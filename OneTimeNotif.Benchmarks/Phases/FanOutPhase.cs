using OneTimeNotif.Benchmarks.Reporting;
using OneTimeNotif.Benchmarks.Running;
using OneTimeNotif.SendApi;

namespace OneTimeNotif.Benchmarks.Phases;

/// <summary>
/// Follow-up fan-out on one Page and one host: <c>--recipients</c> users on one topic, one job, first with the Page
/// configured at Meta's 300/s (the fake holding it to 300/s), then at the default 40/s (Meta's Page Inbox rule).
/// </summary>
internal sealed class FanOutPhase : IBenchmarkPhase
{
    /// <summary>Seconds the 40/s run lasts at most: its recipients are capped so the phase stays minutes long.</summary>
    private const int DefaultRateSeconds = 30;

    private const double MinShareOfRate = 0.9;
    private const double MaxThrottledPercent = 2;

    public string Name => "fanout";

    public int Order => 20;

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        const int fastest = SendApiOptions.MetaMaxMessagesPerSecond;
        var defaultRate = new SendApiOptions().MessagesPerSecondPerPage;
        var recipients = run.Options.Recipients;
        var runs = new[]
        {
            (Setup: new FanOutSetup($"Page at {fastest}/s", 1, recipients, 1, fastest, fastest), Rate: fastest),
            (Setup: new FanOutSetup($"Page at the default {defaultRate}/s", 1, Math.Min(recipients, defaultRate * DefaultRateSeconds), 1, null, fastest), Rate: defaultRate),
        };
        foreach (var (setup, rate) in runs)
        {
            var result = await FanOutScenario.RunAsync(run, setup, cancellationToken);
            FanOutScenario.Report(run, Name, result, Target.AtLeast(rate * MinShareOfRate), Target.Below(MaxThrottledPercent));
        }
    }
}
