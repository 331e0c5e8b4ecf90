using OneTimeNotif.Benchmarks.Reporting;
using OneTimeNotif.Benchmarks.Running;
using OneTimeNotif.SendApi;

namespace OneTimeNotif.Benchmarks.Phases;

/// <summary>
/// Three host processes on one queue serving one Page, at 40/s and at 300/s: together they keep to the Page's rate
/// (aggregate at least 0.9 of it) and Meta (the fake, at 300/s) throttles under 2 % of the calls.
/// </summary>
internal sealed class InstancesPhase : IBenchmarkPhase
{
    private const int Hosts = 3;
    private const int RunSeconds = 40;
    private const double MinShareOfRate = 0.9;
    private const double MaxThrottledPercent = 2;
    private static readonly int[] Rates = [40, SendApiOptions.MetaMaxMessagesPerSecond];

    public string Name => "instances";

    public int Order => 24;

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        foreach (var rate in Rates)
        {
            var recipients = Math.Min(run.Options.Recipients, rate * RunSeconds);
            var setup = new FanOutSetup($"{Hosts} hosts, Page at {rate}/s", 1, recipients, Hosts, rate, SendApiOptions.MetaMaxMessagesPerSecond);
            var result = await FanOutScenario.RunAsync(run, setup, cancellationToken);
            FanOutScenario.Report(run, Name, result, Target.AtLeast(rate * MinShareOfRate), Target.Below(MaxThrottledPercent));
            run.Report(new Figure(Name, setup.Label, "aggregate / Page rate", result.DeliveredPerSecond / rate, "", 2, Target.AtLeast(MinShareOfRate)));
        }
    }
}
