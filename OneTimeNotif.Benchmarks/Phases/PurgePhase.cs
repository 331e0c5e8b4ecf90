using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using OneTimeNotif.Benchmarks.Load;
using OneTimeNotif.Benchmarks.Reporting;
using OneTimeNotif.Benchmarks.Running;
using OneTimeNotif.Purge;
using OneTimeNotif.Storage;
using OneTimeNotif.Testing;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Benchmarks.Phases;

/// <summary>
/// The purge of expired tokens, run by the host's own timer as shipped: <c>--purge-tokens</c> tokens of which 0.1 %,
/// 1 % and 10 % have expired, each share in fresh storage, then one occurrence of <c>PurgeSchedule</c>. Its figures
/// are the host's own report (event 7004): the cost must follow what has expired, not what is stored. Every expired
/// token must be deleted and every live one kept, or the command fails.
/// </summary>
internal sealed class PurgePhase : IBenchmarkPhase
{
    private const string PageId = "1000000003";

    // The host's log events (docs/purge.md, "Log events").
    private const int PurgeStarted = 7001;
    private const int PurgeFinished = 7004;
    private const int PurgeCutOff = 7005;
    private const int NextRunScheduled = 9001;
    private const int LeaseLost = 9006;
    private const int RunFailed = 9007;

    /// <summary>Event 9001's field holding the occurrence it waits for.</summary>
    private const string NextRunAt = "Next";

    /// <summary>
    /// The purge reads one expiry index row per expired token and deletes tokens by key, unread, so it should read
    /// exactly as many entities as have expired; the job index is empty here. The bound leaves room for a small
    /// overhead, while a purge that scanned what is stored (100 times the expired share at 1 %) could not meet it.
    /// </summary>
    private const double ReadsPerExpiredToken = 1.1;

    private const int ReadAllowance = 10;

    /// <summary>Enough for a host to start before the occurrence, even on a busy machine.</summary>
    private static readonly TimeSpan ScheduleLead = TimeSpan.FromSeconds(8);

    /// <summary>Measuring starts this long before the occurrence, so the purge's first moments are in it.</summary>
    private static readonly TimeSpan MeasureAhead = TimeSpan.FromMilliseconds(200);

    private static readonly double[] ExpiredPercents = [0.1, 1, 10];

    public string Name => "purge";

    public int Order => 30;

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        var peak = 0L;
        foreach (var percent in ExpiredPercents)
        {
            peak = Math.Max(peak, await MeasureAsync(run, percent, cancellationToken));
        }
        run.Report(new Figure(Name, "all runs", "host peak working set", Figure.Mebibytes(peak), "MiB", 0));
    }

    /// <returns>The host's peak working set during the purge.</returns>
    private async Task<long> MeasureAsync(BenchmarkRun run, double percent, CancellationToken cancellationToken)
    {
        var total = run.Options.PurgeTokens;
        var expired = (int)Math.Round(total * percent / 100);
        var label = $"{percent:0.#} % expired of {total}";
        await using var storage = await run.StartStorageAsync(cancellationToken);
        var tables = new StorageTables(new TableServiceClient(storage.ConnectionString));
        var batches = new TableBatches(tables);
        var store = new TokenStore(tables, batches, new OneTimeNotif.Privacy.UserIndex(tables, batches, LocalSecrets.UserKey), NullLogger<TokenStore>.Instance);
        var seed = await PurgeSeed.WriteAsync(store, PageId, total, expired, cancellationToken);
        run.Out.WriteLine($"  {label}: seeded {seed.Stored} tokens ({expired} expired) through TokenStore in {seed.Elapsed.TotalSeconds:0.0} s");
        if (seed.Stored != total)
        {
            run.Fail($"{label}: TokenStore stored {seed.Stored} of {total} seeded tokens");
        }

        var (finished, started, cpu, peak) = await RunHostPurgeAsync(run, storage, label, expired, cancellationToken);
        if (finished.EventId != PurgeFinished || started is null)
        {
            run.Fail($"{label}: the host's purge did not finish (event {finished.EventId}): {finished.Message}");
            return peak;
        }
        var deleted = finished.Int(nameof(PurgeReport.TokensDeleted));
        var read = finished.Int(nameof(PurgeReport.EntitiesRead));
        var elapsed = finished.Timestamp - started.Timestamp;
        var liveLeft = await VerifyStorageAsync(run, store, label, seed, deleted, cancellationToken);

        run.Report(new Figure(Name, label, "expired tokens seeded", expired, "", 0));
        run.Report(new Figure(Name, label, "tokens deleted", deleted, "", 0, Target.Exactly(expired)));
        run.Report(new Figure(Name, label, "live tokens left", liveLeft, "", 0, Target.Exactly(total - expired)));
        run.Report(new Figure(Name, label, "entities read", read, "", 0, Target.AtMost((ReadsPerExpiredToken * expired) + ReadAllowance)));
        run.Report(new Figure(Name, label, "entities read per deleted token", deleted == 0 ? double.NaN : (double)read / deleted, "", 2));
        run.Report(new Figure(Name, label, "purge time (events 7001 to 7004)", elapsed.TotalSeconds, "s", 2));
        run.Report(new Figure(Name, label, "tokens deleted/s", deleted / elapsed.TotalSeconds, "/s", 0));
        run.Report(new Figure(Name, label, "host peak working set", Figure.Mebibytes(peak), "MiB", 0));
        if (cpu is not null)
        {
            run.ReportCpu(Name, label, cpu, deleted, "deleted token");
        }
        return peak;
    }

    /// <summary>
    /// Starts the host with a schedule that fires once, a few seconds on, and waits for that run's end.
    /// </summary>
    /// <returns>
    /// The run's last event (7004 finished, or how it failed), its start event (null when it failed before the purge
    /// started), the CPU used from just before the occurrence to the end (null when the host came up too late to
    /// measure from the start), and the peak working set.
    /// </returns>
    private static async Task<(HostLogEvent End, HostLogEvent? Start, CpuUsage? Cpu, long Peak)> RunHostPurgeAsync(
        BenchmarkRun run, Azurite storage, string label, int expired, CancellationToken cancellationToken)
    {
        await using var sendApi = await BenchmarkRun.StartSendApiAsync(0);
        // Once a minute at a second a few seconds on: the host runs the purge once within the benchmark's wait.
        var schedule = $"{(DateTimeOffset.UtcNow + ScheduleLead).Second} * * * * *";
        var settings = new Dictionary<string, string>(HostLogEvent.JsonConsoleSettings)
        {
            [PurgeOptions.ScheduleSetting] = schedule,
            // The purge's report and the timer's events; everything else stays at Warning.
            ["Logging__LogLevel__OneTimeNotif.Purge"] = "Information",
            ["Logging__LogLevel__OneTimeNotif.Host.Scheduling"] = "Information",
        };
        await using var host = await run.StartHostAsync(storage, sendApi, [], settings, cancellationToken);

        // A host that started late waits for the next minute; beyond that, about 100 tokens/s is far below any sane purge.
        var limit = TimeSpan.FromSeconds(120 + (expired / 100.0));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            var next = (await WaitForEventAsync(host, e => e.EventId == NextRunScheduled, timeout.Token)).Instant(NextRunAt);
            run.Out.WriteLine($"  {label}: the host's purge runs at {next:HH:mm:ss} UTC (PurgeSchedule \"{schedule}\")");
            var ahead = next - MeasureAhead - DateTimeOffset.UtcNow;
            if (ahead > TimeSpan.Zero)
            {
                await Task.Delay(ahead, timeout.Token);
            }
            host.WorkingSet.Reset();
            var meter = CpuMeter.Start(("host", host.ProcessId), ("Azurite", storage.ProcessId));
            var end = await WaitForEventAsync(host, e => e.EventId is PurgeFinished or PurgeCutOff or LeaseLost or RunFailed, timeout.Token);
            var cpu = meter.Stop();
            // 7001 precedes the purge's own end events; a run that failed on the lease never started the purge.
            var start = end.EventId is PurgeFinished or PurgeCutOff
                ? await WaitForEventAsync(host, e => e.EventId == PurgeStarted, timeout.Token)
                : null;
            WriteWarnings(run, host);
            if (ahead <= TimeSpan.Zero)
            {
                run.Out.WriteLine($"  {label}: the host was ready only after the purge's occurrence; its CPU figures are left out");
            }
            return (end, start, ahead > TimeSpan.Zero ? cpu : null, host.WorkingSet.Peak);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{label}: the host's purge did not end within {limit.TotalSeconds:0} s; the host's last output:{Environment.NewLine}{string.Join(Environment.NewLine, host.Process.Output.TakeLast(20))}");
        }
    }

    private static async Task<HostLogEvent> WaitForEventAsync(BenchmarkHost host, Func<HostLogEvent, bool> match, CancellationToken cancellationToken)
    {
        var line = await host.Process.WaitForOutputAsync(l => HostLogEvent.Read(l) is { } e && match(e), cancellationToken);
        return HostLogEvent.Read(line)!;
    }

    /// <summary>This host logs the purge at Information; what else it wrote (warnings, a crash) is printed under the run.</summary>
    private static void WriteWarnings(BenchmarkRun run, BenchmarkHost host)
    {
        var warnings = host.Process.Output.Where(l => HostLogEvent.Read(l) is not { } e || e.IsWarningOrWorse).ToList();
        if (warnings.Count == 0)
        {
            return;
        }
        run.Out.WriteLine($"  the host logged {warnings.Count} warning/error line(s) among its last {host.Process.Output.Count}; the last ones:");
        foreach (var line in warnings.TakeLast(10))
        {
            run.Out.WriteLine($"    {line}");
        }
    }

    /// <summary>
    /// After the host is gone, so no later run can blur the picture: every live token is still there, no expired one
    /// is, and the expiry index holds nothing that has expired. The host's count must be the seeded count.
    /// </summary>
    /// <returns>How many live tokens are left.</returns>
    private static async Task<int> VerifyStorageAsync(BenchmarkRun run, TokenStore store, string label, PurgeSeed seed, int deleted, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var left = await store.ScanAsync(PageId, cancellationToken).ToListAsync(cancellationToken);
        var liveLeft = left.Count(t => seed.LiveUsers.Contains(t.Psid) && t.IsLiveAt(now));
        var expiredLeft = left.Count(t => seed.ExpiredUsers.Contains(t.Psid));
        var stillIndexed = await store.FindExpiredAsync(now, cancellationToken).CountAsync(cancellationToken);
        if (deleted != seed.ExpiredUsers.Count)
        {
            run.Fail($"{label}: the host's purge deleted {deleted} tokens; {seed.ExpiredUsers.Count} had expired");
        }
        if (liveLeft != seed.LiveUsers.Count || left.Count != liveLeft)
        {
            run.Fail($"{label}: {liveLeft} of {seed.LiveUsers.Count} live tokens are left, and {left.Count - liveLeft} other token(s)");
        }
        if (expiredLeft > 0 || stillIndexed > 0)
        {
            run.Fail($"{label}: {expiredLeft} expired token(s) and {stillIndexed} expired index row(s) are left after the purge");
        }
        return liveLeft;
    }
}
