using Azure.Data.Tables;
using OneTimeNotif.Benchmarks.Load;
using OneTimeNotif.Benchmarks.Reporting;
using OneTimeNotif.Benchmarks.Running;

namespace OneTimeNotif.Benchmarks.Phases;

/// <summary>
/// Webhook ingest: signed POSTs of 1 and of 50 opt-ins from concurrent senders for a duration, against the same
/// writes issued straight to storage (the ceiling the host can approach); then the latency of single 100-opt-in
/// POSTs against Meta's 5-second budget. Each run gets a fresh Azurite and a fresh host.
/// </summary>
internal sealed class IngestPhase : IBenchmarkPhase
{
    private const string PageId = "1000000001";
    private const int Topics = 16;
    private const int LatencyBatch = 100;
    private const int LatencyPosts = 50;
    private const double MinHostToRawRatio = 0.8;
    private static readonly TimeSpan MetaBudget = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LongestWarmUp = TimeSpan.FromSeconds(2);

    public string Name => "ingest";

    public int Order => 10;

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        var peak = 0L;
        foreach (var batch in new[] { 1, 50 })
        {
            var label = batch == 1 ? "1 opt-in/POST" : $"{batch} opt-ins/POST";
            var (host, hostPeak) = await MeasureHostAsync(run, label, batch, cancellationToken);
            var raw = await MeasureRawAsync(run, label, batch, cancellationToken);
            peak = Math.Max(peak, hostPeak);

            run.Report(new Figure(Name, label, "host opt-ins stored/s", host.ItemsPerSecond, "/s", 0));
            run.Report(new Figure(Name, label, "POST latency p50", host.LatencyPercentileMs(50), "ms", 1));
            run.Report(new Figure(Name, label, "POST latency p99", host.LatencyPercentileMs(99), "ms", 1));
            run.Report(new Figure(Name, label, "raw storage stored/s", raw.ItemsPerSecond, "/s", 0));
            run.Report(new Figure(Name, label, "host/raw ratio", host.ItemsPerSecond / raw.ItemsPerSecond, "", 2, Target.AtLeast(MinHostToRawRatio)));
            run.Report(new Figure(Name, label, "host peak working set", Mebibytes(hostPeak), "MiB", 0));
            CheckFailures(run, $"host, {label}", host);
            CheckFailures(run, $"raw storage, {label}", raw);
        }

        var label100 = $"{LatencyBatch} opt-ins/POST, sequential";
        var (single, singlePeak) = await MeasureLatencyAsync(run, label100, cancellationToken);
        peak = Math.Max(peak, singlePeak);
        run.Report(new Figure(Name, label100, "POST latency p50", single.LatencyPercentileMs(50), "ms", 1));
        run.Report(new Figure(Name, label100, "POST latency p99", single.LatencyPercentileMs(99), "ms", 1, Target.AtMost(MetaBudget.TotalMilliseconds)));
        run.Report(new Figure(Name, label100, "host peak working set", Mebibytes(singlePeak), "MiB", 0));
        CheckFailures(run, $"host, {label100}", single);

        run.Report(new Figure(Name, "all runs", "host peak working set", Mebibytes(peak), "MiB", 0));
    }

    private async Task<(LoadResult Result, long PeakWorkingSet)> MeasureHostAsync(BenchmarkRun run, string label, int batch, CancellationToken cancellationToken)
    {
        await using var storage = await run.StartStorageAsync(cancellationToken);
        await using var sendApi = await BenchmarkRun.StartSendApiAsync(0);
        await using var host = await run.StartHostAsync(storage, sendApi, [], null, cancellationToken);
        var source = new OptInSource(PageId, Topics);
        var sender = new WebhookSender(host.Client, LocalSecrets.AppSecret);
        Task<Outcome> Post(CancellationToken ct) => sender.PostAsync(source.Next(batch), ct);

        await WarmUpAsync(run, Post, cancellationToken);
        host.WorkingSet.Reset();
        run.Out.WriteLine($"  host: {run.Options.Concurrency} senders x {batch} opt-in(s)/POST for {run.Options.Duration.TotalSeconds:0} s");
        var cpu = CpuMeter.Start(("host", host.ProcessId), ("Azurite", storage.ProcessId));
        var result = await LoadLoop.ForDurationAsync(run.Options.Concurrency, run.Options.Duration, Post, cancellationToken);
        run.ReportCpu(Name, $"{label}, host", cpu.Stop(), result.Items, "opt-in");
        host.WriteOutputSummary(run.Out);
        return (result, host.WorkingSet.Peak);
    }

    private async Task<LoadResult> MeasureRawAsync(BenchmarkRun run, string label, int batch, CancellationToken cancellationToken)
    {
        await using var storage = await run.StartStorageAsync(cancellationToken);
        var writer = new RawTokenWriter(new TableServiceClient(storage.ConnectionString));
        await writer.CreateTablesAsync(cancellationToken);
        var source = new OptInSource(PageId, Topics);
        Task<Outcome> Write(CancellationToken ct) => writer.WriteAsync(source.Next(batch), ct);

        await WarmUpAsync(run, Write, cancellationToken);
        run.Out.WriteLine($"  raw storage: {run.Options.Concurrency} writers x {batch} opt-in(s)/batch for {run.Options.Duration.TotalSeconds:0} s");
        var cpu = CpuMeter.Start(("Azurite", storage.ProcessId));
        var result = await LoadLoop.ForDurationAsync(run.Options.Concurrency, run.Options.Duration, Write, cancellationToken);
        run.ReportCpu(Name, $"{label}, raw", cpu.Stop(), result.Items, "opt-in");
        return result;
    }

    private async Task<(LoadResult Result, long PeakWorkingSet)> MeasureLatencyAsync(BenchmarkRun run, string label, CancellationToken cancellationToken)
    {
        await using var storage = await run.StartStorageAsync(cancellationToken);
        await using var sendApi = await BenchmarkRun.StartSendApiAsync(0);
        await using var host = await run.StartHostAsync(storage, sendApi, [], null, cancellationToken);
        var source = new OptInSource(PageId, Topics);
        var sender = new WebhookSender(host.Client, LocalSecrets.AppSecret);
        Task<Outcome> Post(CancellationToken ct) => sender.PostAsync(source.Next(LatencyBatch), ct);

        // A few POSTs first, so the figure is the host's steady latency rather than its first-request JIT.
        await LoadLoop.SequentialAsync(5, Post, cancellationToken);
        host.WorkingSet.Reset();
        run.Out.WriteLine($"  host: {LatencyPosts} sequential POSTs of {LatencyBatch} opt-ins");
        var cpu = CpuMeter.Start(("host", host.ProcessId), ("Azurite", storage.ProcessId));
        var result = await LoadLoop.SequentialAsync(LatencyPosts, Post, cancellationToken);
        run.ReportCpu(Name, label, cpu.Stop());
        host.WriteOutputSummary(run.Out);
        return (result, host.WorkingSet.Peak);
    }

    /// <summary>The same load, briefly and unmeasured: JIT, connection pools and table creation are not what is measured.</summary>
    private static async Task WarmUpAsync(BenchmarkRun run, Func<CancellationToken, Task<Outcome>> operation, CancellationToken cancellationToken)
    {
        var warmUp = run.Options.Duration < LongestWarmUp ? run.Options.Duration : LongestWarmUp;
        await LoadLoop.ForDurationAsync(run.Options.Concurrency, warmUp, operation, cancellationToken);
    }

    private static void CheckFailures(BenchmarkRun run, string what, LoadResult result)
    {
        if (result.Failures > 0)
        {
            run.Fail($"{what}: {result.Failures} of {result.Operations} requests failed ({string.Join("; ", result.FailureReasons)})");
        }
    }

    private static double Mebibytes(long bytes) => Figure.Mebibytes(bytes);
}
