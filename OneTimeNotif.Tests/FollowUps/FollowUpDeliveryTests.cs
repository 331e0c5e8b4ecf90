using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.FakeSendApi;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.FollowUps;

/// <summary>Follow-ups end to end: API → queue → listener → token binding → fake Send API → outcome counts.</summary>
public sealed class FollowUpDeliveryTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly string _page = NewId();
    private static readonly Dictionary<string, string?> SegmentsOfSeven = new() { ["FollowUps:SegmentSize"] = "7" };

    private OneTimeNotifApplication _app = null!;

    public Task InitializeAsync()
    {
        _app = new OneTimeNotifApplication(storage.Azurite, SegmentsOfSeven) { SendApiPages = [_page] };
        _app.StartServer();
        return Task.CompletedTask;
    }

    /// <summary>Another instance of the same deployment: same storage, same settings, the same Meta.</summary>
    private OneTimeNotifApplication StartAnotherInstance()
    {
        var settings = OneTimeNotifApplication.Serving(_app.SendApi, _page);
        settings["FollowUps:SegmentSize"] = "7";
        var app = new OneTimeNotifApplication(storage.Azurite, settings);
        app.StartServer();
        return app;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private int DeliveriesTo(string token) => _app.SendApi.Deliveries.Count(d => d.Token == token);

    [Fact]
    public async Task AFanOutMessagesEveryWaitingUserExactlyOnceAcrossSegments()
    {
        var users = Enumerable.Range(0, 30).Select(_ => NewId()).ToList();
        var tokens = await _app.OptInAsync(_page, "RESTOCK:kettle", users);
        await _app.OptInAsync(_page, "OTHER-TOPIC", [NewId()]);
        var jobId = Jobs.NewJobId();

        var response = await _app.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "RESTOCK:kettle"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/followups/{jobId}", response.Headers.Location?.OriginalString);
        var status = await _app.WaitForJobAsync(jobId);

        Assert.Equal(new FollowUpStatus(jobId, JobState.Completed, null, 30, 0, 0, 0, 0, 0), status);
        Assert.Equal(30, _app.SendApi.Deliveries.Count);
        Assert.All(tokens.Values, t => Assert.Equal(1, DeliveriesTo(t)));
        Assert.All(_app.SendApi.Deliveries, d => Assert.Equal(Jobs.Text, d.Message["text"]!.GetValue<string>()));
        Assert.All(await _app.GetTokensAsync(_page, "RESTOCK:kettle"), t => Assert.NotNull(t.SpentAt));
    }

    [Fact]
    public async Task ATargetedJobMessagesOnlyThatUser()
    {
        var users = Enumerable.Range(0, 3).Select(_ => NewId()).ToList();
        var tokens = await _app.OptInAsync(_page, "APPOINTMENT", users);
        var jobId = Jobs.NewJobId();

        await _app.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "APPOINTMENT", psid: users[1]));
        var status = await _app.WaitForJobAsync(jobId);

        Assert.Equal((JobState.Completed, 1), (status.State, status.Sent));
        Assert.Equal(tokens[users[1]], Assert.Single(_app.SendApi.Deliveries).Token);
    }

    [Fact]
    public async Task TheTokenThatExpiresFirstIsTheOneUsed()
    {
        var user = NewId();
        var now = _app.Time.GetUtcNow();
        var later = await _app.OptInAsync(_page, "P", [user], now.AddDays(-10));
        var earlier = await _app.OptInAsync(_page, "P", [user], now.AddDays(-200));
        var jobId = Jobs.NewJobId();

        await _app.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "P"));
        await _app.WaitForJobAsync(jobId);

        Assert.Equal(earlier[user], Assert.Single(_app.SendApi.Deliveries).Token);
        var untouched = Assert.Single(await _app.GetTokensAsync(_page, "P"), t => t.Token == later[user]);
        Assert.True(untouched.IsAvailableAt(now));
    }

    [Fact]
    public async Task AnExpiredTokenIsNeverSent()
    {
        string expiredUser = NewId(), liveUser = NewId();
        var now = _app.Time.GetUtcNow();
        var expired = await _app.OptInAsync(_page, "P", [expiredUser], now.AddYears(-1).AddMinutes(-1));
        var live = await _app.OptInAsync(_page, "P", [liveUser], now.AddYears(-1).AddMinutes(1));
        var jobId = Jobs.NewJobId();

        await _app.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "P"));
        var status = await _app.WaitForJobAsync(jobId);

        Assert.Equal(1, status.Sent);
        Assert.Equal(0, DeliveriesTo(expired[expiredUser]));
        Assert.Equal(1, DeliveriesTo(live[liveUser]));
    }

    [Fact]
    public async Task ASubmittedTwiceOrEnqueuedTwiceJobMessagesNobodyTwice()
    {
        var tokens = await _app.OptInAsync(_page, "P", Enumerable.Range(0, 12).Select(_ => NewId()));
        var jobId = Jobs.NewJobId();
        var job = Jobs.Json(jobId, _page, "P");
        var queue = _app.Services.GetRequiredService<FollowUpQueueClient>();

        await _app.SubmitFollowUpAsync(job);
        await _app.SubmitFollowUpAsync(job);
        await queue.Queue.SendMessageAsync(job);
        await _app.WaitForJobAsync(jobId);
        await queue.Queue.SendMessageAsync(job);
        // The late copy is taken and dropped as a duplicate; nobody is messaged again meanwhile.
        await Poll.HoldsAsync(() => _app.SendApi.Deliveries.Count == 12, TimeSpan.FromSeconds(1));

        Assert.Equal(12, _app.SendApi.Deliveries.Count);
        Assert.All(tokens.Values, t => Assert.Equal(1, DeliveriesTo(t)));
        Assert.Equal(12, (await _app.GetFollowUpStatusAsync(jobId))!.Sent);
    }

    [Fact]
    public async Task ThreeHostsConsumingOneQueueWithOverlappingJobsNeverSendATokenTwice()
    {
        var users = Enumerable.Range(0, 40).Select(_ => NewId()).ToList();
        var tokens = await _app.OptInAsync(_page, "P", users);
        var spares = await _app.OptInAsync(_page, "P", users[..10]);
        await using var second = StartAnotherInstance();
        await using var third = StartAnotherInstance();
        var queue = _app.Services.GetRequiredService<FollowUpQueueClient>();
        string[] jobs = [Jobs.NewJobId(), Jobs.NewJobId(), Jobs.NewJobId()];

        // Every job twice, all first deliveries (dequeue count 1): the three hosts race for them.
        foreach (var job in jobs.Concat(jobs))
        {
            await queue.Queue.SendMessageAsync(Jobs.Json(job, _page, "P", text: job));
        }
        var statuses = new List<FollowUpStatus>();
        foreach (var job in jobs)
        {
            statuses.Add(await _app.WaitForJobAsync(job));
        }

        // 50 tokens for three jobs: every token used once, no user messaged twice by one job.
        Assert.Equal(50, statuses.Sum(s => s.Sent));
        Assert.All(tokens.Values.Concat(spares.Values), t => Assert.Equal(1, DeliveriesTo(t)));
        Assert.All(jobs, job => Assert.Equal(
            _app.SendApi.Deliveries.Count(d => d.Message["text"]!.GetValue<string>() == job),
            _app.SendApi.Deliveries.Where(d => d.Message["text"]!.GetValue<string>() == job).Select(d => UserOf(d.Token!)).Distinct().Count()));

        string UserOf(string token) => tokens.Concat(spares).First(t => t.Value == token).Key;
    }

    [Fact]
    public async Task ACrashAfterBindingReusesTheBoundTokenAndNeverTriesAnother()
    {
        var user = NewId();
        var first = await _app.OptInAsync(_page, "P", [user], _app.Time.GetUtcNow().AddDays(-30));
        var second = await _app.OptInAsync(_page, "P", [user], _app.Time.GetUtcNow().AddDays(-1));
        var processor = _app.Services.GetRequiredService<FollowUpProcessor>();
        var job = Jobs.Json(Jobs.NewJobId(), _page, "P");
        _app.SendApi.Latency = TimeSpan.FromMilliseconds(800);

        // The worker dies while Meta is handling the call: Meta delivers, the answer is lost.
        using (var crash = new CancellationTokenSource())
        {
            var processing = processor.ProcessAsync(job, 1, crash.Token);
            await Poll.UntilAsync(() => _app.SendApi.Calls == 1);
            await crash.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => processing);
        }
        await Poll.UntilAsync(() => DeliveriesTo(first[user]) == 1);

        // The queue hands the message out again: the retry follows the binding, Meta refuses the spent token.
        _app.SendApi.Latency = TimeSpan.Zero;
        await processor.ProcessAsync(job, 2);

        Assert.Single(_app.SendApi.Deliveries);
        Assert.Equal(0, DeliveriesTo(second[user]));
        var tokens = await _app.GetTokensAsync(_page, "P");
        Assert.NotNull(tokens.Single(t => t.Token == first[user]).SpentAt);
        Assert.True(tokens.Single(t => t.Token == second[user]).IsAvailableAt(_app.Time.GetUtcNow()));
    }

    [Fact]
    public async Task ASecondWorkerFollowingAnInFlightBindingNeverOverwritesTheFirstWorkersSent()
    {
        var user = NewId();
        var token = (await _app.OptInAsync(_page, "P", [user]))[user];
        var processor = _app.Services.GetRequiredService<FollowUpProcessor>();
        var jobId = Jobs.NewJobId();
        var job = Jobs.Json(jobId, _page, "P");
        _app.SendApi.Latency = TimeSpan.FromMilliseconds(500);

        // The message is handed out again while the first worker's call is still at Meta (its visibility ran
        // out): the second worker follows the binding, sends the same token later and has it refused, after the
        // first worker recorded Sent.
        var first = processor.ProcessAsync(job, 1);
        await Poll.UntilAsync(() => _app.SendApi.Calls == 1);
        var second = processor.ProcessAsync(job, 2);
        await Task.WhenAll(first, second);

        Assert.Equal(2, _app.SendApi.Calls);
        Assert.Equal(1, DeliveriesTo(token));
        var status = await _app.WaitForJobAsync(jobId);
        Assert.Equal((JobState.Completed, 1, 0), (status.State, status.Sent, status.TokenRejected));
    }

    [Fact]
    public async Task ARejectedTokenIsSpentAndTheUsersNextTokenIsNotTriedForTheSameJob()
    {
        var user = NewId();
        var used = await _app.OptInAsync(_page, "P", [user], _app.Time.GetUtcNow().AddDays(-30));
        var spare = await _app.OptInAsync(_page, "P", [user]);
        _app.SendApi.UseToken(used[user]);
        var jobId = Jobs.NewJobId();

        await _app.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "P"));
        var status = await _app.WaitForJobAsync(jobId);

        Assert.Equal((JobState.Completed, 0, 1), (status.State, status.Sent, status.TokenRejected));
        Assert.Empty(_app.SendApi.Deliveries);
        var tokens = await _app.GetTokensAsync(_page, "P");
        Assert.NotNull(tokens.Single(t => t.Token == used[user]).SpentAt);
        Assert.True(tokens.Single(t => t.Token == spare[user]).IsAvailableAt(_app.Time.GetUtcNow()));
    }

    [Fact]
    public async Task AnUnavailableUserIsRecordedAndTheTokenKeptForLater()
    {
        string gone = NewId(), here = NewId();
        var tokens = await _app.OptInAsync(_page, "P", [gone, here]);
        _app.SendApi.FailToken(tokens[gone], FakeError.UserUnavailable);
        var jobId = Jobs.NewJobId();

        await _app.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "P"));
        var status = await _app.WaitForJobAsync(jobId);

        Assert.Equal((1, 1), (status.Sent, status.UserUnavailable));
        var kept = (await _app.GetTokensAsync(_page, "P")).Single(t => t.Token == tokens[gone]);
        Assert.True(kept.IsAvailableAt(_app.Time.GetUtcNow()));
    }

    [Fact]
    public async Task ThrottlingAndServerErrorsAreRetriedLaterWithTheSameTokens()
    {
        var tokens = await _app.OptInAsync(_page, "P", Enumerable.Range(0, 10).Select(_ => NewId()));
        _app.SendApi.FailNext(FakeError.Throttled, FakeError.Throttled, FakeError.ServerError, FakeError.Throttled);
        var jobId = Jobs.NewJobId();

        await _app.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "P"));
        var status = await _app.WaitForJobAsync(jobId);

        Assert.Equal(new FollowUpStatus(jobId, JobState.Completed, null, 10, 0, 0, 0, 0, 0), status);
        Assert.All(tokens.Values, t => Assert.Equal(1, DeliveriesTo(t)));
        Assert.Contains(_app.Logs.Entries, l => l.EventId.Id == 5004);
    }

    [Fact]
    public async Task ABadPageTokenStopsTheJobVisiblyWithoutSpendingTokensAndResubmittingResumesIt()
    {
        var tokens = await _app.OptInAsync(_page, "P", Enumerable.Range(0, 5).Select(_ => NewId()));
        var jobId = Jobs.NewJobId();
        var job = Jobs.Json(jobId, _page, "P");
        const string revoked = "EAAGrevoked-page-token-1f0a";
        await _app.RestartAsync(new Dictionary<string, string?> { [$"Messenger:Pages:{_page}:AccessToken"] = revoked });

        await _app.SubmitFollowUpAsync(job);
        var stopped = await _app.WaitForJobAsync(jobId);

        Assert.Equal(JobState.Stopped, stopped.State);
        Assert.Contains("190", stopped.Reason, StringComparison.Ordinal);
        Assert.Contains("access token", stopped.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(revoked, stopped.Reason, StringComparison.Ordinal);
        Assert.Empty(_app.SendApi.Deliveries);
        Assert.All(await _app.GetTokensAsync(_page, "P"), t => Assert.Null(t.SpentAt));

        // The operator fixes the token and submits the same job again: it resumes where it stopped.
        await _app.RestartAsync(new Dictionary<string, string?> { [$"Messenger:Pages:{_page}:AccessToken"] = OneTimeNotifApplication.PageAccessToken });
        Assert.Equal(HttpStatusCode.Accepted, (await _app.SubmitFollowUpAsync(job)).StatusCode);
        var resumed = await _app.WaitForJobAsync(jobId);
        Assert.Equal((JobState.Completed, 5), (resumed.State, resumed.Sent));
        Assert.All(tokens.Values, t => Assert.Equal(1, DeliveriesTo(t)));
    }

    [Fact]
    public async Task AnUnreadableMessageGoesToThePoisonQueueWithItsReasonAndTheHostCarriesOn()
    {
        var queue = _app.Services.GetRequiredService<FollowUpQueueClient>();
        await queue.EnsureCreatedAsync(default);
        await queue.Queue.SendMessageAsync("{\"jobId\":\"x\",\"pageId\":\"not-a-page\"}");
        await queue.Queue.SendMessageAsync(Convert.ToBase64String("{\"jobId\":\"y\"}"u8));
        var tokens = await _app.OptInAsync(_page, "P", [NewId()]);
        var jobId = Jobs.NewJobId();
        await queue.Queue.SendMessageAsync(Jobs.Json(jobId, _page, "P"));

        var status = await _app.WaitForJobAsync(jobId);
        var poisoned = await ReadPoisonAsync(queue, 2);

        Assert.Equal(1, status.Sent);
        Assert.Contains(poisoned, p => p.Contains("pageId must be a Page ID", StringComparison.Ordinal) && p.Contains("message is required", StringComparison.Ordinal));
        Assert.Contains(poisoned, p => p.Contains("base64", StringComparison.Ordinal));
    }

    private static async Task<List<string>> ReadPoisonAsync(FollowUpQueueClient queue, int expected)
    {
        var found = new List<string>();
        await Poll.UntilAsync(async () =>
        {
            found.AddRange((await queue.PoisonQueue.ReceiveMessagesAsync(32)).Value.Select(m => m.Body.ToString()));
            return found.Count >= expected;
        }, describe: () => $"{found.Count} of {expected} poison messages");
        return found;
    }
}
