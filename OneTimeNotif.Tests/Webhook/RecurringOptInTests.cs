using System.Net;
using OneTimeNotif.Tests.Infrastructure;
using OneTimeNotif.Tokens;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Webhook;

/// <summary>Meta's <c>notification_messages</c> events through the real webhook: opt-ins, stops and resumes, in any order.</summary>
public sealed class RecurringOptInTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const string Stop = "STOP_NOTIFICATIONS";
    private const string Resume = "RESUME_NOTIFICATIONS";
    private static readonly DateTimeOffset At = new(2026, 11, 20, 8, 15, 30, 123, TimeSpan.Zero);
    private readonly string _page = NewId();
    private readonly string _psid = NewId();
    private OneTimeNotifApplication _app = null!;

    public Task InitializeAsync()
    {
        _app = new OneTimeNotifApplication(storage.Azurite);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task PostAsync(params System.Text.Json.Nodes.JsonObject[] events) =>
        Assert.Equal(HttpStatusCode.OK, (await _app.PostWebhookAsync(Envelope(Entry(_page, events)))).StatusCode);

    private async Task<StoredToken> StoredAsync(string payload = "DEALS") => Assert.Single(await _app.GetTokensAsync(_page, payload, _psid));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ARecurringOptInIsStoredWithEverythingMetaSendsWhetherEscapedOrRaw(bool escaped)
    {
        const string payload = "عروض:週刊セール:🛒";
        const string title = "العروض الأسبوعية・毎週のお知らせ";
        var token = NewRecurringToken();
        var entry = Entry(_page, RecurringOptIn(_page, _psid, payload, token, At, title: title, timezone: "Asia/Tokyo"));
        var body = escaped ? Envelope(entry) : RawUtf8Envelope(entry);
        Assert.Equal(escaped, body.Contains("\\u", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, (await _app.PostWebhookAsync(body)).StatusCode);

        var stored = await StoredAsync(payload);
        Assert.Equal((TokenKind.Recurring, token, payload, title, "Asia/Tokyo", "NOT_REFRESHED"),
            (stored.Kind, stored.Token, stored.Payload, stored.Title, stored.Timezone, stored.UserTokenStatus));
        Assert.Equal(At, stored.OptedInAt);
        // Meta's 2038 sentinel means "does not expire": stored as such, it would be purged in 2038.
        Assert.Equal(TokenLifetime.NoExpiry, stored.ExpiresAt);
        Assert.False(stored.Stopped);
        Assert.True(stored.IsLiveAt(_app.Time.GetUtcNow()));
    }

    [Fact]
    public async Task ARealExpiryInMillisecondsIsKeptAndAnAbsentOneMeansNone()
    {
        var expiry = At.AddMonths(6);
        await PostAsync(
            RecurringOptIn(_page, _psid, "EXPIRES", NewRecurringToken(), At, expiryMs: expiry.ToUnixTimeMilliseconds()),
            RecurringOptIn(_page, _psid, "NO-EXPIRY", NewRecurringToken(), At, expiryMs: null));

        Assert.Equal(expiry, (await StoredAsync("EXPIRES")).ExpiresAt);
        Assert.Equal(TokenLifetime.NoExpiry, (await StoredAsync("NO-EXPIRY")).ExpiresAt);
    }

    [Fact]
    public async Task ARedeliveredOptInStoresNothingNew()
    {
        var optIn = RecurringOptIn(_page, _psid, "DEALS", NewRecurringToken(), At);

        await PostAsync(optIn);
        var before = await StoredAsync();
        await PostAsync((System.Text.Json.Nodes.JsonObject)optIn.DeepClone());

        Assert.Equal(before, await StoredAsync());
        Assert.Contains(_app.Logs.Entries, l => l.EventId.Id == 3001 && l.Text.Contains("0 new, 1 already stored, 0 recurring", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AStopStopsTheTokenAndAResumeMakesItLiveAgain()
    {
        var token = NewRecurringToken();
        await PostAsync(RecurringOptIn(_page, _psid, "DEALS", token, At));

        await PostAsync(RecurringOptIn(_page, _psid, "DEALS", token, At.AddDays(1), Stop));
        var stopped = await StoredAsync();
        Assert.True(stopped.Stopped);
        Assert.Equal(At.AddDays(1), stopped.StoppedAt);
        Assert.False(stopped.IsLiveAt(_app.Time.GetUtcNow()));

        await PostAsync(RecurringOptIn(_page, _psid, "DEALS", token, At.AddDays(2), Resume));
        var resumed = await StoredAsync();
        Assert.False(resumed.Stopped);
        Assert.True(resumed.IsLiveAt(_app.Time.GetUtcNow()));
    }

    [Fact]
    public async Task AStopArrivingBeforeItsOptInStillStopsTheToken()
    {
        var token = NewRecurringToken();

        await PostAsync(RecurringOptIn(_page, _psid, "DEALS", token, At.AddHours(3), Stop));
        await PostAsync(RecurringOptIn(_page, _psid, "DEALS", token, At));

        var stored = await StoredAsync();
        Assert.Equal(token, stored.Token);
        Assert.True(stored.Stopped);
    }

    [Fact]
    public async Task EventsDeliveredTwiceAndOutOfOrderEndInTheLatestEventsState()
    {
        var token = NewRecurringToken();
        var optIn = RecurringOptIn(_page, _psid, "DEALS", token, At);
        var stop = RecurringOptIn(_page, _psid, "DEALS", token, At.AddDays(1), Stop);
        var resume = RecurringOptIn(_page, _psid, "DEALS", token, At.AddDays(2), Resume);

        // Meta's order of delivery: the resume first, then the stop that came before it (twice), then the opt-in.
        await PostAsync(resume);
        await PostAsync(stop);
        await PostAsync((System.Text.Json.Nodes.JsonObject)stop.DeepClone());
        await PostAsync(optIn);

        Assert.False((await StoredAsync()).Stopped);

        // A second stop, later than everything, wins; its re-delivery changes nothing.
        var stopAgain = RecurringOptIn(_page, _psid, "DEALS", token, At.AddDays(3), Stop);
        await PostAsync(stopAgain, (System.Text.Json.Nodes.JsonObject)resume.DeepClone());
        await PostAsync((System.Text.Json.Nodes.JsonObject)stopAgain.DeepClone());
        var stored = await StoredAsync();
        Assert.True(stored.Stopped);
        Assert.Equal(At.AddDays(3), stored.StoppedAt);
    }

    [Fact]
    public async Task AStopAndItsOptInInOneDeliveryEndStopped()
    {
        var token = NewRecurringToken();

        await PostAsync(RecurringOptIn(_page, _psid, "DEALS", token, At.AddMinutes(5), Stop), RecurringOptIn(_page, _psid, "DEALS", token, At));

        Assert.True((await StoredAsync()).Stopped);
    }

    [Fact]
    public async Task ALaterOptInBringsANewTokenThatIsNotStopped()
    {
        var first = NewRecurringToken();
        await PostAsync(RecurringOptIn(_page, _psid, "DEALS", first, At));
        await PostAsync(RecurringOptIn(_page, _psid, "DEALS", first, At.AddDays(1), Stop));

        var second = NewRecurringToken();
        await PostAsync(RecurringOptIn(_page, _psid, "DEALS", second, At.AddDays(5)));

        var tokens = await _app.GetTokensAsync(_page, "DEALS", _psid);
        Assert.True(tokens.Single(t => t.Token == first).Stopped);
        Assert.False(tokens.Single(t => t.Token == second).Stopped);
    }

    [Fact]
    public async Task AnUnknownStatusIsSkippedAndItsSiblingsStored()
    {
        var kept = NewRecurringToken();

        await PostAsync(
            RecurringOptIn(_page, NewId(), "DEALS", NewRecurringToken(), At, status: "PAUSE_NOTIFICATIONS"),
            RecurringOptIn(_page, _psid, "DEALS", kept, At));

        Assert.Equal([kept], (await _app.GetTokensAsync(_page, "DEALS")).Select(t => t.Token));
        Assert.Contains(_app.Logs.Entries, l => l.EventId.Id == 3005);
    }

    [Fact]
    public async Task OtnAndRecurringOptInsOnOneTopicAreStoredSideBySide()
    {
        string otn = NewToken(), recurring = NewRecurringToken();

        await PostAsync(OptIn(_page, _psid, "DEALS", otn, At), RecurringOptIn(_page, _psid, "DEALS", recurring, At));

        var tokens = await _app.GetTokensAsync(_page, "DEALS", _psid);
        Assert.Equal(TokenKind.OneTime, tokens.Single(t => t.Token == otn).Kind);
        Assert.Equal(TokenKind.Recurring, tokens.Single(t => t.Token == recurring).Kind);
    }

    [Fact]
    public async Task NoRecurringTokenReachesALogLine()
    {
        var token = NewRecurringToken();

        await PostAsync(RecurringOptIn(_page, _psid, "DEALS", token, At));
        await PostAsync(RecurringOptIn(_page, _psid, "DEALS", token, At.AddDays(1), Stop));

        Assert.DoesNotContain(_app.Logs.Entries, l => l.Text.Contains(token, StringComparison.Ordinal));
        Assert.Contains(_app.Logs.Entries, l => l.EventId.Id == 2101);
    }
}
