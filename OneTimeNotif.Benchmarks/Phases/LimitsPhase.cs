using OneTimeNotif.Benchmarks.Reporting;
using OneTimeNotif.Benchmarks.Running;
using OneTimeNotif.SendApi;

namespace OneTimeNotif.Benchmarks.Phases;

/// <summary>
/// A Page whose real limit is lower than configured: the Page at 300/s, the fake holding it to 20/s, then 150/s,
/// unknown to the host. The shared budget must find the limit: achieved rate at least 0.85 of it, at most 0.1 refused
/// calls per delivery.
/// </summary>
internal sealed class LimitsPhase : IBenchmarkPhase
{
    private const int RunSeconds = 60;
    private const double MinShareOfLimit = 0.85;
    private const double MaxRefusedPerDelivery = 0.1;
    private static readonly int[] Limits = [20, 150];

    public string Name => "limits";

    public int Order => 22;

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        const int configured = SendApiOptions.MetaMaxMessagesPerSecond;
        foreach (var limit in Limits)
        {
            var recipients = Math.Min(run.Options.Recipients, limit * RunSeconds);
            var setup = new FanOutSetup($"limit {limit}/s, Page at {configured}/s", 1, recipients, 1, configured, configured, UnknownLimit: limit);
            var result = await FanOutScenario.RunAsync(run, setup, cancellationToken);
            FanOutScenario.Report(run, Name, result, refusedTarget: Target.AtMost(MaxRefusedPerDelivery));
            run.Report(new Figure(Name, setup.Label, "achieved rate / limit", result.DeliveredPerSecond / limit, "", 2, Target.AtLeast(MinShareOfLimit)));
        }
    }
}
