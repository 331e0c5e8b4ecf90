using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.FakeSendApi;
using OneTimeNotif.FollowUps;
using OneTimeNotif.SendApi;
using OneTimeNotif.Tests.Infrastructure;
using OneTimeNotif.Tokens;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.FollowUps;

/// <summary>
/// Follow-ups to recurring tokens, through the host on Azurite, with the fake Send API on the host's clock: sent as
/// <c>notification_messages_token</c>, reused, 48 hours apart, never once stopped; OTN first when a user has both.
/// </summary>
public sealed class RecurringDeliveryTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const string Stop = "STOP_NOTIFICATIONS";
    private const string Resume = "RESUME_NOTIFICATIONS";
    private readonly string _page = NewId();
    private OneTimeNotifApplication _app = null!;

    public Task InitializeAsync()
    {
        _app = new OneTimeNotifApplication(storage.Azurite) { SendApiPages = [_page] };
        // Meta's 48-hour rule runs on the same clock as the host.
        _app.SendApi.Clock = _app.Time;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<FollowUpStatus> RunJobAsync(string payload, string? psid = null, string text = Jobs.Text)
    {
        var jobId = Jobs.NewJobId();
        (await _app.SubmitFollowUpAsync(Jobs.Json(jobId, _page, payload, psid, text))).EnsureSuccessStatusCode();
        return await _app.WaitForJobAsync(jobId);
    }

    private List<FakeDelivery> SentWith(string text) => [.. _app.SendApi.Deliveries.Where(d => d.Message["text"]?.GetValue<string>() == text)];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AJobReachesRecurringOptInsThroughTheirNotificationMessagesTokens(bool escaped)
    {
        const string payload = "عروض:週刊セール";
        var users = new[] { NewId(), NewId() };
        var tokens = users.ToDictionary(u => u, _ => NewRecurringToken());
        var entry = Entry(_page, [.. users.Select(u => RecurringOptIn(_page, u, payload, tokens[u], _app.Time.GetUtcNow().AddDays(-1), title: "お知らせ", timezone: "Asia/Tokyo"))]);
        (await _app.PostWebhookAsync(escaped ? Envelope(entry) : RawUtf8Envelope(entry))).EnsureSuccessStatusCode();

        var status = await RunJobAsync(payload, text: "تخفيضات هذا الأسبوع・今週のセール");

        Assert.Equal((JobState.Completed, 2, 0), (status.State, status.Sent, status.Deferred));
        Assert.Equal(tokens.Values.Order(), _app.SendApi.Deliveries.Select(d => d.RecurringToken!).Order());
        Assert.All(_app.SendApi.Deliveries, d => Assert.Null(d.Token));
        Assert.All(_app.SendApi.Deliveries, d => Assert.Equal("تخفيضات هذا الأسبوع・今週のセール", d.Message["text"]!.GetValue<string>()));
        // Not spent: the token stays live, and it remembers when it was last used.
        Assert.All(await _app.GetTokensAsync(_page, payload), t =>
        {
            Assert.True(t.IsLiveAt(_app.Time.GetUtcNow()));
            Assert.Equal(_app.Time.GetUtcNow(), t.LastSentAt);
        });
    }

    [Fact]
    public async Task ASecondJobWithin48HoursDefersThemSendsNothingAndServesThemOnceTheHoursPass()
    {
        var users = await _app.RecurringOptInAsync(_page, "DEALS", [NewId(), NewId(), NewId()]);
        Assert.Equal(3, (await RunJobAsync("DEALS", text: "first")).Sent);

        _app.Time.Advance(TimeSpan.FromHours(47));
        var second = Jobs.NewJobId();
        (await _app.SubmitFollowUpAsync(Jobs.Json(second, _page, "DEALS", text: "second"))).EnsureSuccessStatusCode();
        var waiting = await _app.WaitForJobAsync(second, s => s.Deferred == 3);

        Assert.Equal((JobState.Running, 0), (waiting.State, waiting.Sent));
        await Poll.HoldsAsync(() => SentWith("second").Count == 0, TimeSpan.FromSeconds(1), () => "a message went out during the cooldown");
        Assert.Equal(3, _app.SendApi.Calls);

        _app.Time.Advance(TimeSpan.FromHours(1));
        var served = await _app.WaitForJobAsync(second);

        Assert.Equal((JobState.Completed, 3, 0), (served.State, served.Sent, served.Deferred));
        Assert.Equal(users.Values.Order(), SentWith("second").Select(d => d.RecurringToken!).Order());
        // Nothing was sent too soon: Meta (the fake) never answered 4/2018354.
        Assert.Equal(6, _app.SendApi.Calls);
    }

    [Fact]
    public async Task WhenTheCooldownOutlastsTheJobsTimeBudgetTheJobCompletesWithThemDeferred()
    {
        await _app.RestartAsync(new Dictionary<string, string?> { ["FollowUps:TimeBudget"] = "01:00:00" });
        await _app.RecurringOptInAsync(_page, "DEALS", [NewId(), NewId()]);
        Assert.Equal(2, (await RunJobAsync("DEALS", text: "first")).Sent);

        var second = await RunJobAsync("DEALS", text: "second");

        Assert.Equal((JobState.Completed, 0, 2), (second.State, second.Sent, second.Deferred));
        Assert.Empty(SentWith("second"));
    }

    [Fact]
    public async Task AStoppedTokenIsNotSentAndAResumedOneIs()
    {
        var user = NewId();
        var token = (await _app.RecurringOptInAsync(_page, "DEALS", [user]))[user];
        await _app.RecurringStatusAsync(_page, user, "DEALS", token, Stop, _app.Time.GetUtcNow().AddHours(-12));

        var stopped = await RunJobAsync("DEALS", text: "while stopped");

        Assert.Equal((JobState.Completed, 0, 0), (stopped.State, stopped.Sent, stopped.Deferred));
        Assert.Equal(0, _app.SendApi.Calls);

        await _app.RecurringStatusAsync(_page, user, "DEALS", token, Resume, _app.Time.GetUtcNow().AddHours(-1));
        var resumed = await RunJobAsync("DEALS", text: "after the resume");

        Assert.Equal(1, resumed.Sent);
        Assert.Equal(token, Assert.Single(SentWith("after the resume")).RecurringToken);
    }

    [Fact]
    public async Task AStopDeliveredBeforeItsOptInStillMeansNoMessage()
    {
        string user = NewId(), token = NewRecurringToken();
        var optedIn = _app.Time.GetUtcNow().AddDays(-2);
        await _app.RecurringStatusAsync(_page, user, "DEALS", token, Stop, optedIn.AddDays(1));
        (await _app.PostWebhookAsync(Envelope(Entry(_page, RecurringOptIn(_page, user, "DEALS", token, optedIn))))).EnsureSuccessStatusCode();

        var status = await RunJobAsync("DEALS");

        Assert.Equal(0, status.Sent);
        Assert.Equal(0, _app.SendApi.Calls);
    }

    [Fact]
    public async Task AUserWithBothKindsGetsTheOtnTokenUsedFirstThenTheRecurringOne()
    {
        var user = NewId();
        var recurring = (await _app.RecurringOptInAsync(_page, "DEALS", [user]))[user];
        var otn = (await _app.OptInAsync(_page, "DEALS", [user]))[user];

        Assert.Equal(1, (await RunJobAsync("DEALS", text: "first")).Sent);
        Assert.Equal(1, (await RunJobAsync("DEALS", text: "second")).Sent);

        Assert.Equal((otn, null), (SentWith("first").Single().Token, SentWith("first").Single().RecurringToken));
        Assert.Equal((null, recurring), (SentWith("second").Single().Token, SentWith("second").Single().RecurringToken));
    }

    [Fact]
    public async Task TwoJobsAtOnceMessageARecurringUserOnceAndDeferTheOther()
    {
        await _app.RestartAsync(new Dictionary<string, string?> { ["FollowUps:TimeBudget"] = "01:00:00" });
        var users = await _app.RecurringOptInAsync(_page, "DEALS", [.. Enumerable.Range(0, 8).Select(_ => NewId())]);
        string a = Jobs.NewJobId(), b = Jobs.NewJobId();

        await Task.WhenAll(
            _app.SubmitFollowUpAsync(Jobs.Json(a, _page, "DEALS", text: "a")),
            _app.SubmitFollowUpAsync(Jobs.Json(b, _page, "DEALS", text: "b")));
        var (first, second) = (await _app.WaitForJobAsync(a), await _app.WaitForJobAsync(b));

        Assert.Equal(8, first.Sent + second.Sent);
        Assert.Equal(8, first.Deferred + second.Deferred);
        Assert.All(users.Values, token => Assert.Single(_app.SendApi.Deliveries, d => d.RecurringToken == token));
    }

    [Fact]
    public async Task Meta1893015MarksTheTokenStoppedAndLaterJobsLeaveItAlone()
    {
        var user = NewId();
        var token = (await _app.RecurringOptInAsync(_page, "DEALS", [user]))[user];
        _app.SendApi.StopRecurringToken(token);

        var refused = await RunJobAsync("DEALS");

        Assert.Equal((1, 0), (refused.UserUnavailable, refused.Sent));
        var stored = Assert.Single(await _app.GetTokensAsync(_page, "DEALS"));
        Assert.True(stored.Stopped);
        Assert.Null(stored.SpentAt);
        Assert.Equal(0, (await RunJobAsync("DEALS")).UserUnavailable);
        Assert.Equal(1, _app.SendApi.Calls);
    }

    [Fact]
    public async Task Meta2018354DefersTheUserAndCoolsTheTokenDown()
    {
        await _app.RestartAsync(new Dictionary<string, string?> { ["FollowUps:TimeBudget"] = "01:00:00" });
        var user = NewId();
        var token = (await _app.RecurringOptInAsync(_page, "DEALS", [user]))[user];
        // A message Meta counts but this service never recorded (another system used the token).
        Assert.Equal(SendStatus.Sent, (await _app.Services.GetRequiredService<SendApiClient>().SendWithRecurringTokenAsync(_page, token, new() { ["text"] = "elsewhere" })).Status);

        var status = await RunJobAsync("DEALS");

        Assert.Equal((JobState.Completed, 0, 1), (status.State, status.Sent, status.Deferred));
        var stored = Assert.Single(await _app.GetTokensAsync(_page, "DEALS"));
        Assert.Equal(_app.Time.GetUtcNow(), stored.LastSentAt);
        Assert.Null(stored.BoundJobId);
        Assert.True(stored.IsLiveAt(_app.Time.GetUtcNow()));
    }
}
