using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Tests.Infrastructure;
using OneTimeNotif.Tokens;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.FollowUps;

/// <summary>
/// A job's life with more recipients than one segment: every state has a way out (stop → resume, a failing segment →
/// stopped → resume, cancel), every binding ends, and its status costs what the job has segments.
/// </summary>
public sealed class FollowUpLifecycleTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const int SegmentSize = 5;

    private readonly string _page = NewId();
    private OneTimeNotifApplication? _app;

    private OneTimeNotifApplication App => _app!;

    private OneTimeNotifApplication Start(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?> { ["FollowUps:SegmentSize"] = SegmentSize.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }
        _app = new OneTimeNotifApplication(storage.Azurite, settings) { SendApiPages = [_page] };
        _app.StartServer();
        return _app;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private int DeliveriesTo(string token) => App.SendApi.Deliveries.Count(d => d.Token == token);

    private async Task<Dictionary<string, string>> OptInAsync(int users, string payload = "P") =>
        await App.OptInAsync(_page, payload, Enumerable.Range(0, users).Select(_ => NewId()));

    private async Task<List<StoredToken>> BoundTokensAsync(string payload = "P") =>
        [.. (await App.GetTokensAsync(_page, payload)).Where(t => t.BoundJobId is not null && t.SpentAt is null)];

    [Fact]
    public async Task AJobStoppedMidwayByARevokedPageTokenResumesEveryUnfinishedSegmentAndMessagesEachUserOnce()
    {
        Start();
        var tokens = await OptInAsync(23);
        var jobId = Jobs.NewJobId();
        var job = Jobs.Json(jobId, _page, "P");
        App.SendApi.RevokePageTokensAfter(8);

        await App.SubmitFollowUpAsync(job);
        var stopped = await App.WaitForJobAsync(jobId);
        // Every worker still holding bindings of the job ends them once it sees the stop.
        await Poll.UntilAsync(async () => (await BoundTokensAsync()).Count == 0, describe: () => "no token is bound to the stopped job");

        Assert.Equal(JobState.Stopped, stopped.State);
        Assert.Contains("190", stopped.Reason, StringComparison.Ordinal);
        Assert.InRange(App.SendApi.Deliveries.Count, 8, 22);

        App.SendApi.RestorePageTokens();
        Assert.Equal(HttpStatusCode.Accepted, (await App.SubmitFollowUpAsync(job)).StatusCode);
        var resumed = await App.WaitForJobAsync(jobId);

        Assert.Equal(new FollowUpStatus(jobId, JobState.Completed, null, 23, 0, 0, 0, 0, 0), resumed);
        Assert.All(tokens.Values, t => Assert.Equal(1, DeliveriesTo(t)));
    }

    [Fact]
    public async Task ASegmentWhoseStorageCallsKeepFailingStopsItsJobWithTheReasonAndResubmittingCompletesIt()
    {
        Start();
        var tokens = await OptInAsync(12);
        var jobId = Jobs.NewJobId();
        var job = Jobs.Json(jobId, _page, "P");
        // Every segment after the first reads the topic's tokens after its cursor: those reads fail.
        App.Storage.FailWhen = m => StorageTraffic.IsQuery(m, "OtnTokens", "RowKey gt");

        await App.SubmitFollowUpAsync(job);
        var stopped = await App.WaitForJobAsync(jobId);
        var poisoned = await ReadPoisonAsync(jobId);

        Assert.Equal(JobState.Stopped, stopped.State);
        Assert.Contains("failed 5 times", stopped.Reason, StringComparison.Ordinal);
        Assert.Contains(stopped.Reason!, poisoned, StringComparison.Ordinal);
        Assert.Equal(SegmentSize, stopped.Sent);

        App.Storage.FailWhen = null;
        await App.SubmitFollowUpAsync(job);
        var resumed = await App.WaitForJobAsync(jobId);

        Assert.Equal(new FollowUpStatus(jobId, JobState.Completed, null, 12, 0, 0, 0, 0, 0), resumed);
        Assert.All(tokens.Values, t => Assert.Equal(1, DeliveriesTo(t)));
    }

    [Fact]
    public async Task ACancelledJobStartsNoCallOnceTheCancelIsAnsweredAndANewJobReachesTheUsersItDidNotServe()
    {
        // Ten calls a second: the job is still under way when it is cancelled.
        Start(new() { ["SendApi:MessagesPerSecondPerPage"] = "10" });
        var tokens = await OptInAsync(40);
        var jobId = Jobs.NewJobId();
        await App.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "P"));
        await Poll.UntilAsync(() => Task.FromResult(App.SendApi.Calls >= 5), describe: () => "the job has sent a few messages");

        var cancel = await App.CancelFollowUpAsync(jobId);
        var callsWhenAnswered = App.SendApi.Calls;
        var answered = await cancel.Content.ReadFromJsonAsync<FollowUpStatus>();
        await Poll.HoldsAsync(() => App.SendApi.Calls == callsWhenAnswered, TimeSpan.FromSeconds(1.5), () => $"{App.SendApi.Calls - callsWhenAnswered} calls started after the cancel answered");

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal(JobState.Cancelled, answered!.State);
        Assert.True(callsWhenAnswered < 40, "the job had finished before it was cancelled");
        await Poll.UntilAsync(async () => (await BoundTokensAsync()).Count == 0, describe: () => "no token is bound to the cancelled job");
        var again = await App.CancelFollowUpAsync(jobId);
        var cancelled = await again.Content.ReadFromJsonAsync<FollowUpStatus>();
        Assert.Equal((HttpStatusCode.Accepted, JobState.Cancelled, App.SendApi.Deliveries.Count, 0), (again.StatusCode, cancelled!.State, cancelled.Sent, cancelled.Pending));

        var next = Jobs.NewJobId();
        await App.SubmitFollowUpAsync(Jobs.Json(next, _page, "P"));
        var status = await App.WaitForJobAsync(next, TimeSpan.FromSeconds(60));

        Assert.Equal((JobState.Completed, 40 - cancelled.Sent), (status.State, status.Sent));
        Assert.All(tokens.Values, t => Assert.Equal(1, DeliveriesTo(t)));
    }

    [Fact]
    public async Task CancellingIsRefusedForACompletedJobAndUnknownForAJobNeverSubmitted()
    {
        Start();
        await OptInAsync(2);
        var jobId = Jobs.NewJobId();
        await App.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "P"));
        await App.WaitForJobAsync(jobId);

        var completed = await App.CancelFollowUpAsync(jobId);
        var unknown = await App.CancelFollowUpAsync(Jobs.NewJobId());

        Assert.Equal(HttpStatusCode.Conflict, completed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(JobState.Completed, (await App.GetFollowUpStatusAsync(jobId))!.State);
    }

    [Fact]
    public async Task ACallThatTimesOutOnTheFinalAttemptLeavesTheUserUnknownAndTheTokenIsNeverSentAgain()
    {
        Start(new() { ["FollowUps:MaxRetries"] = "0", ["SendApi:Timeout"] = "00:00:00.300" });
        var token = (await OptInAsync(1)).Values.Single();
        App.SendApi.Latency = TimeSpan.FromSeconds(1);
        var first = Jobs.NewJobId();

        await App.SubmitFollowUpAsync(Jobs.Json(first, _page, "P"));
        var status = await App.WaitForJobAsync(first);

        Assert.Equal(new FollowUpStatus(first, JobState.Completed, null, 0, 0, 0, 0, 1, 0), status);
        Assert.NotNull(Assert.Single(await App.GetTokensAsync(_page, "P")).SpentAt);

        App.SendApi.Latency = TimeSpan.Zero;
        var second = Jobs.NewJobId();
        await App.SubmitFollowUpAsync(Jobs.Json(second, _page, "P"));
        var next = await App.WaitForJobAsync(second);

        Assert.Equal((JobState.Completed, 0, 0), (next.State, next.Sent, next.TokenRejected));
        Assert.Equal(1, App.SendApi.Calls);
        Assert.True(DeliveriesTo(token) <= 1);
    }

    [Fact]
    public async Task TheStatusOfATwoThousandUserJobReadsItsSegmentsNotItsRecipients()
    {
        Start(new() { ["FollowUps:SegmentSize"] = "100" });
        var at = App.Time.GetUtcNow().AddDays(-1);
        await App.Tokens.SaveAsync([.. Enumerable.Range(0, 2000).Select(_ => new OptIn(_page, NewId(), "P", NewToken(), at))]);
        var jobId = Jobs.NewJobId();
        await App.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "P"));
        var done = await App.WaitForJobAsync(jobId, TimeSpan.FromSeconds(120));
        Assert.Equal((JobState.Completed, 2000), (done.State, done.Sent));
        // The last segments may still be settling the job's state: only the status read is to be counted.
        await Poll.UntilAsync(async () =>
        {
            App.Storage.ResetCounts();
            await Task.Delay(500);
            return App.Storage.EntitiesRead == 0;
        }, describe: () => "the host kept reading in the background");

        App.Storage.ResetCounts();
        var status = await App.GetFollowUpStatusAsync(jobId);
        var read = App.Storage.EntitiesRead;

        Assert.Equal(2000, status!.Sent);
        // The job row and one row per segment of 100.
        Assert.InRange(read, 1, 1 + (2000 / 100) + 1);
    }

    private async Task<string> ReadPoisonAsync(string jobId)
    {
        var poison = App.Services.GetRequiredService<FollowUpQueueClient>().PoisonQueue;
        var found = await Poll.UntilAsync(
            async () => (await poison.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).FirstOrDefault(b => b.Contains(jobId, StringComparison.Ordinal)),
            body => body is not null,
            describe: _ => $"no poison message names job {jobId}");
        return found!;
    }
}
