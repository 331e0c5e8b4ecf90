using System.Diagnostics;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using OneTimeNotif.Benchmarks.Load;
using OneTimeNotif.Benchmarks.Reporting;
using OneTimeNotif.Benchmarks.Running;
using OneTimeNotif.FakeSendApi;
using OneTimeNotif.FollowUps;
using OneTimeNotif.SendApi;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Benchmarks.Phases;

/// <summary>
/// Follow-up fan-out: <c>--recipients</c> users opted in on one topic, one job through <c>POST /api/followups</c>,
/// first with the fake Send API holding the Page to Meta's 300 calls/s, then with no limit there and the host's
/// own pacing raised out of the way. Every recipient must get exactly one message, or the command fails.
/// </summary>
internal sealed class FanOutPhase : IBenchmarkPhase
{
    private const string PageId = "1000000002";
    private const string Topic = "BENCH:back-in-stock";
    private const int SeedBatch = 100;
    private const int SeedConcurrency = 8;
    private const double MinDeliveredPerSecond = 285;
    private const double MaxThrottledPercent = 2;

    /// <summary>Meta's most for text: the "no limit" run measures the host itself at the fastest rate a Page may be given.</summary>
    private const int FastestPageRate = SendApiOptions.MetaMaxMessagesPerSecond;

    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(30);

    /// <summary>Meta's own limit for text, held by the fake; the host's default pacing is meant to stay under it.</summary>
    private static readonly FanOutRun MetaLimited = new("fake limit 300/s", FakeLimit: 300, PacingOverride: FastestPageRate);

    /// <summary>Nothing limits the sends: what the host and storage can do on their own.</summary>
    private static readonly FanOutRun Unlimited = new("no limit", FakeLimit: 0, PacingOverride: FastestPageRate);

    public string Name => "fanout";

    public int Order => 20;

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        var peak = 0L;
        foreach (var fanOut in new[] { MetaLimited, Unlimited })
        {
            peak = Math.Max(peak, await MeasureAsync(run, fanOut, cancellationToken));
        }
        run.Report(new Figure(Name, "all runs", "host peak working set", Figure.Mebibytes(peak), "MiB", 0));
    }

    /// <returns>The host's peak working set during the job.</returns>
    private async Task<long> MeasureAsync(BenchmarkRun run, FanOutRun fanOut, CancellationToken cancellationToken)
    {
        var (label, fakeLimit, pacingOverride) = fanOut;
        var hostPacing = pacingOverride ?? new SendApiOptions().MessagesPerSecondPerPage;
        var recipients = run.Options.Recipients;
        await using var storage = await run.StartStorageAsync(cancellationToken);
        await using var sendApi = await BenchmarkRun.StartSendApiAsync(fakeLimit, PageId);
        var tokens = await SeedAsync(run, storage.ConnectionString, recipients, cancellationToken);

        var settings = pacingOverride is { } pacing
            ? new Dictionary<string, string> { [$"Messenger__Pages__{PageId}__MessagesPerSecond"] = $"{pacing}" }
            : null;
        await using var host = await run.StartHostAsync(storage, sendApi, [PageId], settings, cancellationToken);
        var api = new FollowUpApi(host.Client);
        var jobId = $"bench-{Guid.NewGuid():N}";
        var text = $"Back in stock ({jobId})";

        run.Out.WriteLine($"  {label}: one job to {recipients} recipients; host pacing {hostPacing}/s per Page{(pacingOverride is null ? " (default)" : " (Messenger__Pages__<id>__MessagesPerSecond)")}");
        host.WorkingSet.Reset();
        var cpu = CpuMeter.Start(("host", host.ProcessId), ("Azurite", storage.ProcessId));
        var submittedAt = DateTimeOffset.UtcNow;
        await api.SubmitAsync(jobId, PageId, Topic, text, cancellationToken);
        await WaitForDeliveriesAsync(sendApi, recipients, cancellationToken);
        var cpuUsage = cpu.Stop();
        var status = await WaitForJobAsync(api, jobId, cancellationToken);
        var peak = host.WorkingSet.Peak;
        host.WriteOutputSummary(run.Out);

        var deliveries = sendApi.Deliveries.Where(d => d.Message["text"]?.GetValue<string>() == text).OrderBy(d => d.At).ToList();
        Verify(run, label, tokens, deliveries, status);
        if (deliveries.Count == 0)
        {
            run.Fail($"{label}: no message was delivered");
            return peak;
        }

        var first = deliveries[0].At;
        var last = deliveries[^1].At;
        var sustained = deliveries.Count > 1 ? (deliveries.Count - 1) / (last - first).TotalSeconds : double.NaN;
        var endToEnd = deliveries.Count / (last - submittedAt).TotalSeconds;
        var throttledPercent = sendApi.Calls == 0 ? 0 : 100.0 * sendApi.Throttled / sendApi.Calls;
        run.Report(new Figure(Name, label, "delivered/s (first to last delivery)", sustained, "/s", 1,
            fakeLimit > 0 ? Target.AtLeast(MinDeliveredPerSecond) : null));
        run.Report(new Figure(Name, label, "delivered/s (job submitted to last delivery)", endToEnd, "/s", 1));
        run.Report(new Figure(Name, label, "first delivery after submit", (first - submittedAt).TotalSeconds, "s", 2));
        run.Report(new Figure(Name, label, "Send API calls", sendApi.Calls, "", 0));
        run.Report(new Figure(Name, label, "throttled calls (613)", throttledPercent, "%", 2,
            fakeLimit > 0 ? Target.Below(MaxThrottledPercent) : null));
        run.Report(new Figure(Name, label, "host pacing per Page", hostPacing, "/s", 0));
        run.Report(new Figure(Name, label, "recipients messaged exactly once", recipients - CountWrong(tokens, deliveries), "", 0, Target.Exactly(recipients)));
        run.Report(new Figure(Name, label, "host peak working set", Figure.Mebibytes(peak), "MiB", 0));
        run.ReportCpu(Name, label, cpuUsage, deliveries.Count, "delivery");
        return peak;
    }

    /// <summary>
    /// Opts the recipients in through the library's own token store (what the webhook would write), straight to
    /// storage, so the host's working set in this phase is the fan-out's alone.
    /// </summary>
    private static async Task<HashSet<string>> SeedAsync(BenchmarkRun run, string connectionString, int recipients, CancellationToken cancellationToken)
    {
        var tables = new StorageTables(new TableServiceClient(connectionString));
        var writes = new TableBatches(tables);
        var store = new TokenStore(tables, writes, new OneTimeNotif.Privacy.UserIndex(tables, writes, LocalSecrets.UserKey), NullLogger<TokenStore>.Instance);
        var source = new OptInSource(PageId, 1);
        var optedInAt = DateTimeOffset.UtcNow.AddDays(-1);
        var batches = Enumerable.Range(0, (recipients + SeedBatch - 1) / SeedBatch)
            .Select(i => source.Next(Math.Min(SeedBatch, recipients - (i * SeedBatch)), Topic, optedInAt))
            .ToList();
        var clock = Stopwatch.StartNew();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = SeedConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(batches, parallel, async (batch, ct) => await store.SaveAsync(batch, ct));
        run.Out.WriteLine($"  seeded {recipients} opt-ins on one topic through TokenStore in {clock.Elapsed.TotalSeconds:0.0} s");
        return batches.SelectMany(b => b).Select(o => o.Token).ToHashSet();
    }

    /// <summary>Watches the fake (free) rather than the job status (a read of every delivery record) while the job runs.</summary>
    private static async Task WaitForDeliveriesAsync(FakeSendApiServer sendApi, int recipients, CancellationToken cancellationToken)
    {
        // Generous for a correct host (10,000 recipients at 290/s take 35 s), and still bounded for a broken one.
        var deadline = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(60 + (recipients / 50.0));
        var lastProgress = Stopwatch.StartNew();
        var seen = 0;
        while (deadline.Elapsed < limit && lastProgress.Elapsed < StallLimit)
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

    private static void Verify(BenchmarkRun run, string label, HashSet<string> tokens, List<FakeDelivery> deliveries, FollowUpStatus status)
    {
        var perToken = deliveries.GroupBy(d => d.Token ?? "").ToDictionary(g => g.Key, g => g.Count());
        var missing = tokens.Count(t => !perToken.ContainsKey(t));
        var twice = perToken.Count(p => p.Value > 1);
        var strangers = perToken.Keys.Count(t => !tokens.Contains(t));
        if (missing > 0 || twice > 0 || strangers > 0)
        {
            run.Fail($"{label}: {missing} recipient(s) got no message, {twice} got more than one, {strangers} unknown token(s) were sent to");
        }
        if (status.State != JobState.Completed || status.Sent != tokens.Count)
        {
            run.Fail($"{label}: job state {status.State} ({status.Reason}), sent {status.Sent} of {tokens.Count}, " +
                $"pending {status.Pending}, rejected {status.TokenRejected}, unavailable {status.UserUnavailable}, failed {status.Failed}");
        }
    }

    private static int CountWrong(HashSet<string> tokens, List<FakeDelivery> deliveries)
    {
        var perToken = deliveries.GroupBy(d => d.Token ?? "").ToDictionary(g => g.Key, g => g.Count());
        return tokens.Count(t => perToken.GetValueOrDefault(t) != 1);
    }
}

/// <param name="FakeLimit">The fake Send API's calls per second per Page before it answers 613; 0 for none.</param>
/// <param name="PacingOverride">The Page's MessagesPerSecond for the host; null keeps the default (40/s).</param>
internal sealed record FanOutRun(string Label, int FakeLimit, int? PacingOverride);
