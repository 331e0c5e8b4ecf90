using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OneTimeNotif.Benchmarks.Load;
using OneTimeNotif.Benchmarks.Reporting;
using OneTimeNotif.Benchmarks.Running;
using OneTimeNotif.Purge;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Benchmarks.Phases;

/// <summary>
/// Ingest and purge at a viral scale. Ingest: 32 senders posting 50 opt-ins at a time over 8 Pages x 64 topics, the
/// host against the same writes issued straight to storage, with the partitions those writes land in (the expiry
/// index is sharded per day, so no single partition carries every opt-in). Purge: one past day holding 200,000
/// expiries, purged by the library's <see cref="RetentionPurge"/> in runs cut by a short time budget until done.
/// </summary>
internal sealed class ScalePhase : IBenchmarkPhase
{
    private const int Pages = 8;
    private const int Topics = 64;
    private const int Senders = 32;
    private const int Batch = 50;
    private const int DayExpiries = 200_000;
    private const int SeedBatch = 100;
    private const int SeedWriters = 16;
    /// <summary>One index row per token, plus one row per run to find the day; a few more where a delete timed out and went again.</summary>
    private const double MaxReadsPerDeletedToken = 1.05;

    /// <summary>Short, so the runs are several and their resumption is measured; the default is 4 minutes.</summary>
    private static readonly TimeSpan RunBudget = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan DefaultBudget = new PurgeOptions().TimeBudget;

    public string Name => "scale";

    public int Order => 40;

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        await MeasureIngestAsync(run, cancellationToken);
        await MeasurePurgeAsync(run, cancellationToken);
    }

    private async Task MeasureIngestAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        var label = $"{Pages} Pages x {Topics} topics, {Senders} senders x {Batch}/POST";
        var pages = Enumerable.Range(1, Pages).Select(p => $"10000001{p:D2}").ToList();

        var hostWrites = new PartitionTally();
        LoadResult host;
        await using (var storage = await run.StartStorageAsync(cancellationToken))
        await using (var sendApi = await BenchmarkRun.StartSendApiAsync(0))
        await using (var process = await run.StartHostAsync(storage, sendApi, [], null, cancellationToken))
        {
            var source = new OptInSource(pages, Topics);
            var sender = new WebhookSender(process.Client, LocalSecrets.AppSecret);
            await LoadLoop.ForDurationAsync(Senders, TimeSpan.FromSeconds(2), ct => sender.PostAsync(source.Next(Batch), ct), cancellationToken);
            run.Out.WriteLine($"  host: {label} for {run.Options.Duration.TotalSeconds:0} s");
            hostWrites.Start();
            var cpu = CpuMeter.Start(("host", process.ProcessId), ("Azurite", storage.ProcessId));
            host = await LoadLoop.ForDurationAsync(Senders, run.Options.Duration, async ct =>
            {
                var optIns = source.Next(Batch);
                var outcome = await sender.PostAsync(optIns, ct);
                hostWrites.Record(optIns, outcome);
                return outcome;
            }, cancellationToken);
            run.ReportCpu(Name, $"{label}, host", cpu.Stop(), host.Items, "opt-in");
        }

        LoadResult raw;
        await using (var storage = await run.StartStorageAsync(cancellationToken))
        {
            var writer = new RawTokenWriter(new TableServiceClient(storage.ConnectionString));
            await writer.CreateTablesAsync(cancellationToken);
            var source = new OptInSource(pages, Topics);
            await LoadLoop.ForDurationAsync(Senders, TimeSpan.FromSeconds(2), ct => writer.WriteAsync(source.Next(Batch), ct), cancellationToken);
            run.Out.WriteLine($"  raw storage: the same writes for {run.Options.Duration.TotalSeconds:0} s");
            var cpu = CpuMeter.Start(("Azurite", storage.ProcessId));
            raw = await LoadLoop.ForDurationAsync(Senders, run.Options.Duration, ct => writer.WriteAsync(source.Next(Batch), ct), cancellationToken);
            run.ReportCpu(Name, $"{label}, raw", cpu.Stop(), raw.Items, "opt-in");
        }

        run.Report(new Figure(Name, label, "host opt-ins stored/s", host.ItemsPerSecond, "/s", 0));
        run.Report(new Figure(Name, label, "POST latency p99", host.LatencyPercentileMs(99), "ms", 1));
        run.Report(new Figure(Name, label, "raw storage stored/s", raw.ItemsPerSecond, "/s", 0));
        // No target: the host also keeps the per-user index (a read and a write per user), which the raw writes leave out.
        run.Report(new Figure(Name, label, "host/raw ratio", host.ItemsPerSecond / raw.ItemsPerSecond, "", 2));
        run.Report(new Figure(Name, label, "partitions written/s (tokens + expiry index)", hostWrites.PartitionsPerSecond, "/s", 0));
        run.Report(new Figure(Name, label, "expiry-index partitions written", hostWrites.ExpiryPartitions, "", 0, Target.AtLeast(ExpiryIndex.ShardCount)));
        run.Report(new Figure(Name, label, "busiest partition entities/s", hostWrites.BusiestPartitionPerSecond, "/s", 0));
        run.Report(new Figure(Name, label, "busiest partition share of writes", hostWrites.BusiestShare, "", 3));
        foreach (var (what, result) in new[] { ("host", host), ("raw storage", raw) })
        {
            if (result.Failures > 0)
            {
                run.Fail($"{what}, {label}: {result.Failures} of {result.Operations} requests failed ({string.Join("; ", result.FailureReasons)})");
            }
        }
    }

    private async Task MeasurePurgeAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        var label = $"one day of {DayExpiries} expiries";
        await using var storage = await run.StartStorageAsync(cancellationToken);
        var service = new TableServiceClient(storage.ConnectionString);
        var seeding = Stopwatch.StartNew();
        var seeded = await SeedOneDayAsync(service, cancellationToken);
        run.Out.WriteLine($"  {label}: seeded {seeded} tokens and index rows in {seeding.Elapsed.TotalSeconds:0.0} s");

        await using var services = PurgeServices(service, RunBudget);
        var purge = services.GetRequiredService<RetentionPurge>();
        var reports = new List<PurgeReport>();
        var clock = Stopwatch.StartNew();
        do
        {
            var report = await purge.RunAsync(cancellationToken);
            reports.Add(report);
            run.Out.WriteLine($"  run {reports.Count}: {report.TokensDeleted} deleted, {report.EntitiesRead} read, completed: {report.Completed}, {clock.Elapsed.TotalSeconds:0} s so far");
        }
        while (!reports[^1].Completed && reports.Count < 1000);
        var elapsed = clock.Elapsed;

        var deleted = reports.Sum(r => r.TokensDeleted);
        var read = reports.Sum(r => r.EntitiesRead);
        var rate = deleted / elapsed.TotalSeconds;
        run.Report(new Figure(Name, label, "tokens deleted", deleted, "", 0, Target.Exactly(seeded)));
        run.Report(new Figure(Name, label, $"runs needed ({RunBudget.TotalSeconds:0} s budget)", reports.Count, "", 0));
        run.Report(new Figure(Name, label, "entities read per deleted token", deleted == 0 ? double.NaN : (double)read / deleted, "", 3, Target.AtMost(MaxReadsPerDeletedToken)));
        run.Report(new Figure(Name, label, "tokens deleted/s", rate, "/s", 0));
        run.Report(new Figure(Name, label, $"runs at the default {DefaultBudget.TotalMinutes:0}-minute budget (at this rate)", Math.Ceiling(seeded / (rate * DefaultBudget.TotalSeconds)), "", 0));
        await VerifyEmptyAsync(run, service, label, cancellationToken);
    }

    /// <summary>200,000 tokens that all expired on the same past day, over 8 Pages and 64 topics, straight to storage.</summary>
    private static async Task<int> SeedOneDayAsync(TableServiceClient service, CancellationToken cancellationToken)
    {
        var writer = new RawTokenWriter(service);
        await writer.CreateTablesAsync(cancellationToken);
        var source = new OptInSource([.. Enumerable.Range(1, Pages).Select(p => $"10000002{p:D2}")], Topics);
        var optedInAt = new DateTimeOffset(DateTimeOffset.UtcNow.AddYears(-1).AddDays(-3).UtcDateTime.Date.AddHours(12), TimeSpan.Zero);
        var stored = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = SeedWriters, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, DayExpiries / SeedBatch), parallel, async (_, ct) =>
        {
            var outcome = await writer.WriteAsync(source.Next(SeedBatch, optedInAt), ct);
            Interlocked.Add(ref stored, outcome.Items);
        });
        return stored;
    }

    /// <summary>The purge as the hosts register it, with its time budget set for the benchmark.</summary>
    private static ServiceProvider PurgeServices(TableServiceClient service, TimeSpan budget)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new StorageTables(service));
        services.AddSingleton<TableBatches>();
        services.AddOptions<PurgeOptions>().Configure(o => o.TimeBudget = budget);
        services.AddSingleton<RetentionPurge>();
        return services.BuildServiceProvider();
    }

    private static async Task VerifyEmptyAsync(BenchmarkRun run, TableServiceClient service, string label, CancellationToken cancellationToken)
    {
        foreach (var table in new[] { StorageTables.TokensTableName, StorageTables.ExpiriesTableName })
        {
            var left = await service.GetTableClient(table).QueryAsync<TableEntity>(select: ["RowKey"], cancellationToken: cancellationToken).CountAsync(cancellationToken);
            if (left > 0)
            {
                run.Fail($"{label}: {left} row(s) left in {table} after the purge reported completion");
            }
        }
    }

    /// <summary>Where the host's acknowledged opt-ins were written: token partitions and expiry-index partitions, per second.</summary>
    private sealed class PartitionTally
    {
        private readonly ConcurrentDictionary<(long Second, string Partition), int> _writes = new();
        private readonly Stopwatch _clock = new();

        public void Start() => _clock.Restart();

        public void Record(IReadOnlyList<OneTimeNotif.Tokens.OptIn> optIns, Outcome outcome)
        {
            if (outcome.Failure is not null)
            {
                return;
            }
            var second = (long)_clock.Elapsed.TotalSeconds;
            foreach (var optIn in optIns)
            {
                var token = TokenEntity.From(optIn);
                _writes.AddOrUpdate((second, "t:" + token.PartitionKey), 1, (_, n) => n + 1);
                _writes.AddOrUpdate((second, "x:" + TokenExpiryEntity.For(token).PartitionKey), 1, (_, n) => n + 1);
            }
        }

        private IEnumerable<IGrouping<long, KeyValuePair<(long Second, string Partition), int>>> WholeSeconds =>
            _writes.GroupBy(w => w.Key.Second).Where(g => g.Key < (long)_clock.Elapsed.TotalSeconds).ToList() is { Count: > 0 } whole
                ? whole
                : _writes.GroupBy(w => w.Key.Second);

        public double PartitionsPerSecond => WholeSeconds.Select(g => g.Count()).DefaultIfEmpty().Average();

        public int ExpiryPartitions => _writes.Keys.Select(k => k.Partition).Distinct().Count(p => p.StartsWith("x:", StringComparison.Ordinal));

        public double BusiestPartitionPerSecond => WholeSeconds.Select(g => g.Max(w => w.Value)).DefaultIfEmpty().Average();

        /// <summary>The busiest partition's share of the index and token writes; one partition per day would make it 0.5.</summary>
        public double BusiestShare =>
            _writes.IsEmpty ? double.NaN : (double)_writes.GroupBy(w => w.Key.Partition).Max(g => g.Sum(w => w.Value)) / _writes.Values.Sum();
    }
}
