using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using OneTimeNotif.Benchmarks.Load;
using OneTimeNotif.Benchmarks.Reporting;
using OneTimeNotif.Benchmarks.Running;
using OneTimeNotif.FakeSendApi;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Benchmarks.Phases;

/// <summary>
/// One fan-out as the fan-out phases measure it: one job per Page to <see cref="FanOutSetup.RecipientsPerPage"/> users
/// each, through <c>POST /api/followups</c>, served by one or more host processes on one queue, against the fake Send
/// API with the limits the setup names. Every recipient must get exactly one message, or the run fails.
/// </summary>
internal static class FanOutScenario
{
    private const string Topic = "BENCH:back-in-stock";
    private const int SeedBatch = 100;
    private const int SeedConcurrency = 8;
    private const long FirstPageId = 1_000_000_100;
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(30);

    /// <summary>The host's follow-up events this scenario counts (handler time, segment messages sent), in the JSON console format.</summary>
    private static readonly Dictionary<string, string> CountedEvents = new(HostLogEvent.JsonConsoleSettings)
    {
        ["Logging__LogLevel__OneTimeNotif.FollowUps.FollowUpProcessor"] = "Debug",
        ["Logging__LogLevel__OneTimeNotif.FollowUps.FollowUpQueueClient"] = "Debug",
    };

    public static IReadOnlyList<string> PageIds(int count) =>
        [.. Enumerable.Range(0, count).Select(i => (FirstPageId + i).ToString(CultureInfo.InvariantCulture))];

    public static async Task<FanOutResult> RunAsync(BenchmarkRun run, FanOutSetup setup, CancellationToken cancellationToken)
    {
        var pages = PageIds(setup.Pages);
        await using var storage = await run.StartStorageAsync(cancellationToken);
        await using var sendApi = await BenchmarkRun.StartSendApiAsync(setup.FakeLimit, [.. pages]);
        if (setup.UnknownLimit is int unknown)
        {
            foreach (var page in pages)
            {
                sendApi.LimitPage(page, unknown);
            }
        }
        var tokens = await SeedAsync(run, storage.ConnectionString, pages, setup.RecipientsPerPage, cancellationToken);

        var settings = new Dictionary<string, string>(CountedEvents);
        if (setup.PageRate is int rate)
        {
            foreach (var page in pages)
            {
                settings[$"Messenger__Pages__{page}__MessagesPerSecond"] = $"{rate}";
            }
        }
        var hosts = await Task.WhenAll(Enumerable.Range(0, setup.Hosts).Select(_ => run.StartHostAsync(storage, sendApi, pages, settings, cancellationToken)));
        try
        {
            var work = new HostWork();
            foreach (var host in hosts)
            {
                host.Process.LineWritten += work.Read;
                host.WorkingSet.Reset();
            }
            var total = tokens.Count;
            run.Out.WriteLine($"  {setup.Label}: {setup.Pages} Page(s) x {setup.RecipientsPerPage} recipients, {setup.Hosts} host(s), " +
                $"Page rate {(setup.PageRate is { } r ? $"{r}/s" : "default")}, fake limit {(setup.UnknownLimit ?? setup.FakeLimit) switch { 0 => "none", var l => $"{l}/s" }}");
            var cpu = CpuMeter.Start([.. hosts.Select((h, i) => ($"host{(hosts.Length > 1 ? $" {i + 1}" : "")}", h.ProcessId)), ("Azurite", storage.ProcessId)]);
            var api = new FollowUpApi(hosts[0].Client);
            var text = $"Back in stock ({Guid.NewGuid():N})";
            var jobs = pages.ToDictionary(p => p, _ => $"bench-{Guid.NewGuid():N}");
            var submittedAt = DateTimeOffset.UtcNow;
            foreach (var (page, jobId) in jobs)
            {
                await api.SubmitAsync(jobId, page, Topic, text, cancellationToken);
            }
            await WaitForDeliveriesAsync(sendApi, total, cancellationToken);
            var usage = cpu.Stop();
            var statuses = new List<FollowUpStatus>();
            foreach (var jobId in jobs.Values)
            {
                statuses.Add(await WaitForJobAsync(api, jobId, cancellationToken));
            }
            foreach (var host in hosts)
            {
                host.Process.LineWritten -= work.Read;
                host.WriteOutputSummary(run.Out);
            }
            var deliveries = sendApi.Deliveries.Where(d => d.Message["text"]?.GetValue<string>() == text).OrderBy(d => d.At).ToList();
            Verify(run, setup.Label, tokens, deliveries, statuses);
            return new FanOutResult(setup, deliveries, submittedAt, sendApi.Calls, sendApi.Throttled, work, usage,
                hosts.Max(h => h.WorkingSet.Peak), pages.Max(p => sendApi.CallsPerSecond(p).Select(s => s.Calls).DefaultIfEmpty(0).Max()));
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    /// <summary>The figures every fan-out run prints: throughput, Meta's refusals, and what the fan-out cost in queue and handler time.</summary>
    public static void Report(BenchmarkRun run, string phase, FanOutResult result, Target? deliveredTarget = null, Target? throttledTarget = null, Target? refusedTarget = null)
    {
        var label = result.Setup.Label;
        var delivered = result.Deliveries.Count;
        run.Report(new Figure(phase, label, "delivered/s (first to last delivery)", result.DeliveredPerSecond, "/s", 1, deliveredTarget));
        run.Report(new Figure(phase, label, "delivered/s (job submitted to last delivery)", result.EndToEndPerSecond, "/s", 1));
        run.Report(new Figure(phase, label, "Send API calls", result.Calls, "", 0));
        run.Report(new Figure(phase, label, "throttled calls", result.ThrottledPercent, "%", 2, throttledTarget));
        run.Report(new Figure(phase, label, "refused calls per delivery", delivered == 0 ? 0 : (double)result.Throttled / delivered, "", 3, refusedTarget));
        run.Report(new Figure(phase, label, "busiest second at the fake (one Page)", result.BusiestSecond, "calls", 0));
        run.Report(new Figure(phase, label, "queue messages handled per 1,000 deliveries", result.Work.Handled * 1000.0 / Math.Max(1, delivered), "", 1));
        run.Report(new Figure(phase, label, "queue operations per 1,000 deliveries", result.Work.QueueOperations * 1000.0 / Math.Max(1, delivered), "", 1));
        run.Report(new Figure(phase, label, "function-seconds per 1,000 deliveries", result.Work.HandlerSeconds * 1000.0 / Math.Max(1, delivered), "s", 1));
        run.Report(new Figure(phase, label, "host peak working set", Figure.Mebibytes(result.PeakWorkingSet), "MiB", 0));
        run.ReportCpu(phase, label, result.Cpu, delivered, "delivery");
    }

    /// <summary>Opts the recipients in through the library's own token store (what the webhook would write), straight to storage.</summary>
    private static async Task<HashSet<string>> SeedAsync(BenchmarkRun run, string connectionString, IReadOnlyList<string> pages, int perPage, CancellationToken cancellationToken)
    {
        var tables = new StorageTables(new TableServiceClient(connectionString));
        var writes = new TableBatches(tables);
        var store = new TokenStore(tables, writes, new OneTimeNotif.Privacy.UserIndex(tables, writes, LocalSecrets.UserKey), NullLogger<TokenStore>.Instance);
        var optedInAt = DateTimeOffset.UtcNow.AddDays(-1);
        var batches = pages.SelectMany(page =>
        {
            var source = new OptInSource(page, 1);
            return Enumerable.Range(0, (perPage + SeedBatch - 1) / SeedBatch)
                .Select(i => source.Next(Math.Min(SeedBatch, perPage - (i * SeedBatch)), Topic, optedInAt));
        }).ToList();
        var clock = Stopwatch.StartNew();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = SeedConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(batches, parallel, async (batch, ct) => await store.SaveAsync(batch, ct));
        run.Out.WriteLine($"  seeded {pages.Count * perPage} opt-ins ({perPage} on one topic of each of {pages.Count} Page(s)) in {clock.Elapsed.TotalSeconds:0.0} s");
        return batches.SelectMany(b => b).Select(o => o.Token).ToHashSet();
    }

    /// <summary>Watches the fake (free) rather than the job status (a read of every delivery record) while the jobs run.</summary>
    private static async Task WaitForDeliveriesAsync(FakeSendApiServer sendApi, int recipients, CancellationToken cancellationToken)
    {
        var lastProgress = Stopwatch.StartNew();
        var seen = 0;
        while (lastProgress.Elapsed < StallLimit)
        {
            var count = sendApi.Deliveries.Count;
            if (count >= recipients)
            {
                return;
            }
            if (count > seen)
            {
                seen = count;
                lastProgress.Restart();
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    private static async Task<FollowUpStatus> WaitForJobAsync(FollowUpApi api, string jobId, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var status = await api.GetStatusAsync(jobId, cancellationToken);
            if (status.State is JobState.Completed or JobState.Stopped || deadline.Elapsed > StallLimit)
            {
                return status;
            }
            await Task.Delay(500, cancellationToken);
        }
    }

    private static void Verify(BenchmarkRun run, string label, HashSet<string> tokens, List<FakeDelivery> deliveries, List<FollowUpStatus> statuses)
    {
        var perToken = deliveries.GroupBy(d => d.Token ?? "").ToDictionary(g => g.Key, g => g.Count());
        var missing = tokens.Count(t => !perToken.ContainsKey(t));
        var twice = perToken.Count(p => p.Value > 1);
        var strangers = perToken.Keys.Count(t => !tokens.Contains(t));
        if (missing > 0 || twice > 0 || strangers > 0)
        {
            run.Fail($"{label}: {missing} recipient(s) got no message, {twice} got more than one, {strangers} unknown token(s) were sent to");
        }
        foreach (var status in statuses.Where(s => s.State != JobState.Completed || s.Pending > 0 || s.Failed > 0))
        {
            run.Fail($"{label}: job {status.JobId} state {status.State} ({status.Reason}), sent {status.Sent}, pending {status.Pending}, failed {status.Failed}");
        }
    }

    public static int CountExactlyOnce(HashSet<string> tokens, IEnumerable<FakeDelivery> deliveries)
    {
        var perToken = deliveries.GroupBy(d => d.Token ?? "").ToDictionary(g => g.Key, g => g.Count());
        return tokens.Count(t => perToken.GetValueOrDefault(t) == 1);
    }
}

/// <param name="Pages">Pages, one job each.</param>
/// <param name="Hosts">Host processes on the one queue.</param>
/// <param name="PageRate">Each Page's <c>MessagesPerSecond</c>; null keeps the default (40/s).</param>
/// <param name="FakeLimit">The fake's calls per second per Page before 613 (Meta's 300); 0 for none.</param>
/// <param name="UnknownLimit">A lower limit the fake holds each Page to, unknown to the hosts.</param>
internal sealed record FanOutSetup(string Label, int Pages, int RecipientsPerPage, int Hosts, int? PageRate, int FakeLimit, int? UnknownLimit = null);

internal sealed record FanOutResult(
    FanOutSetup Setup,
    List<FakeDelivery> Deliveries,
    DateTimeOffset SubmittedAt,
    int Calls,
    int Throttled,
    HostWork Work,
    CpuUsage Cpu,
    long PeakWorkingSet,
    int BusiestSecond)
{
    public double DeliveredPerSecond => Deliveries.Count > 1 ? (Deliveries.Count - 1) / (Deliveries[^1].At - Deliveries[0].At).TotalSeconds : double.NaN;

    public double EndToEndPerSecond => Deliveries.Count > 0 ? Deliveries.Count / (Deliveries[^1].At - SubmittedAt).TotalSeconds : double.NaN;

    public double ThrottledPercent => Calls == 0 ? 0 : 100.0 * Throttled / Calls;
}

/// <summary>
/// What the hosts' follow-up handlers did, from their log events: messages handled and the time spent in them
/// (function-seconds, as Flex Consumption bills it), and the segment messages they sent.
/// </summary>
internal sealed class HostWork
{
    private const int HandledEvent = 5030;
    private const int EnqueuedEvent = 5031;
    private readonly Lock _lock = new();
    private double _handlerMs;

    public int Handled { get; private set; }

    public int Enqueued { get; private set; }

    public double HandlerSeconds => _handlerMs / 1000;

    /// <summary>
    /// Storage queue operations: each message handled was received and deleted (or, when put back, received and sent
    /// again), and each segment message was sent; the listeners' empty polls come on top, at their polling interval.
    /// </summary>
    public int QueueOperations => (2 * Handled) + Enqueued;

    public void Read(string line)
    {
        if (!line.Contains("\"EventId\":503", StringComparison.Ordinal) || HostLogEvent.Read(line) is not { } e)
        {
            return;
        }
        lock (_lock)
        {
            if (e.EventId == HandledEvent)
            {
                Handled++;
                var elapsed = e.State.GetProperty("ElapsedMs");
                _handlerMs += elapsed.ValueKind == System.Text.Json.JsonValueKind.Number
                    ? elapsed.GetDouble()
                    : double.Parse(elapsed.GetString() ?? "0", CultureInfo.InvariantCulture);
            }
            else if (e.EventId == EnqueuedEvent)
            {
                Enqueued++;
            }
        }
    }
}
