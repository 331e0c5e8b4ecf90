using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Purge;

/// <summary>
/// The purge of recurring tokens: past a real expiry, or stopped for longer than the stop retention. Their own
/// Azurite, as every purge test: a purge deletes whatever is due in the whole store.
/// </summary>
[Collection(OnePurgeTestAtATime.Name)]
public sealed class RecurringTokenPurgeTests : IAsyncLifetime
{
    private const string Stop = "STOP_NOTIFICATIONS";
    private const string Resume = "RESUME_NOTIFICATIONS";
    private readonly string _page = NewId();
    private Azurite _azurite = null!;
    private OneTimeNotifApplication _app = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync();
        _app = new OneTimeNotifApplication(_azurite, new Dictionary<string, string?> { ["Purge:StoppedTokenRetention"] = "30.00:00:00" })
        {
            WithoutPurgeScheduler = true,
        };
        _app.StartServer();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private DateTimeOffset Now => _app.Time.GetUtcNow();

    private async Task PostAsync(params System.Text.Json.Nodes.JsonObject[] events) =>
        (await _app.PostWebhookAsync(Envelope(Entry(_page, events)))).EnsureSuccessStatusCode();

    private async Task<List<string>> StoredAsync(string payload) => [.. (await _app.GetTokensAsync(_page, payload)).Select(t => t.Token)];

    [Fact]
    public async Task ATokenPastARealExpiryIsPurgedAndOneThatNeverExpiresIsKept()
    {
        string expiring = NewRecurringToken(), forever = NewRecurringToken(), absent = NewRecurringToken();
        await PostAsync(
            RecurringOptIn(_page, NewId(), "DEALS", expiring, Now.AddDays(-1), expiryMs: Now.AddDays(10).ToUnixTimeMilliseconds()),
            RecurringOptIn(_page, NewId(), "DEALS", forever, Now.AddDays(-1)),
            RecurringOptIn(_page, NewId(), "DEALS", absent, Now.AddDays(-1), expiryMs: null));

        Assert.Equal(0, (await _app.PurgeAsync()).TokensDeleted);
        _app.Time.Advance(TimeSpan.FromDays(11));
        var report = await _app.PurgeAsync();

        Assert.Equal(1, report.TokensDeleted);
        Assert.Equal(new[] { absent, forever }.Order(StringComparer.Ordinal), (await StoredAsync("DEALS")).Order(StringComparer.Ordinal));
        _app.Time.Advance(TimeSpan.FromDays(3650));
        Assert.Equal(0, (await _app.PurgeAsync()).TokensDeleted);
    }

    [Fact]
    public async Task AStoppedTokenIsKeptForTheRetentionThenPurgedUnlessTheUserResumedIt()
    {
        string stopped = NewRecurringToken(), resumed = NewRecurringToken(), live = NewRecurringToken();
        string stoppedUser = NewId(), resumedUser = NewId();
        await PostAsync(
            RecurringOptIn(_page, stoppedUser, "DEALS", stopped, Now.AddDays(-2)),
            RecurringOptIn(_page, resumedUser, "DEALS", resumed, Now.AddDays(-2)),
            RecurringOptIn(_page, NewId(), "DEALS", live, Now.AddDays(-2)));
        await PostAsync(
            RecurringOptIn(_page, stoppedUser, "DEALS", stopped, Now.AddDays(-1), Stop),
            RecurringOptIn(_page, resumedUser, "DEALS", resumed, Now.AddDays(-1), Stop));
        await PostAsync(RecurringOptIn(_page, resumedUser, "DEALS", resumed, Now, Resume));

        _app.Time.Advance(TimeSpan.FromDays(28));
        var early = await _app.PurgeAsync();
        Assert.Equal(0, early.StoppedTokensDeleted);
        Assert.Equal(3, (await StoredAsync("DEALS")).Count);

        _app.Time.Advance(TimeSpan.FromDays(3));
        var report = await _app.PurgeAsync();

        Assert.Equal(1, report.StoppedTokensDeleted);
        Assert.Equal(0, report.TokensDeleted);
        Assert.Equal(new[] { live, resumed }.Order(StringComparer.Ordinal), (await StoredAsync("DEALS")).Order(StringComparer.Ordinal));
        Assert.Contains(_app.Logs.Entries, l => l.EventId.Id == 7010 && l.Text.StartsWith("Purge deleted 1 recurring tokens stopped before", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ATokenStoppedAgainAfterAResumeIsKeptForTheRetentionFromTheLatestStop()
    {
        string token = NewRecurringToken(), user = NewId();
        await PostAsync(RecurringOptIn(_page, user, "DEALS", token, Now.AddDays(-60)));
        await PostAsync(RecurringOptIn(_page, user, "DEALS", token, Now.AddDays(-50), Stop));
        await PostAsync(RecurringOptIn(_page, user, "DEALS", token, Now.AddDays(-40), Resume));
        await PostAsync(RecurringOptIn(_page, user, "DEALS", token, Now.AddDays(-5), Stop));

        var report = await _app.PurgeAsync();

        Assert.Equal(0, report.StoppedTokensDeleted);
        Assert.Equal([token], await StoredAsync("DEALS"));
    }
}
