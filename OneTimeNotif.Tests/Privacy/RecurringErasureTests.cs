using System.Net;
using System.Net.Http.Json;
using OneTimeNotif.Privacy;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Privacy;

/// <summary>Erasing a user with recurring tokens: their purge index rows name the token's keys, and so the PSID.</summary>
public sealed class RecurringErasureTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const string Stop = "STOP_NOTIFICATIONS";
    private const string Resume = "RESUME_NOTIFICATIONS";
    private readonly string _page = NewId();
    private OneTimeNotifApplication _app = null!;

    public Task InitializeAsync()
    {
        _app = new OneTimeNotifApplication(storage.Azurite);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task PostAsync(params System.Text.Json.Nodes.JsonObject[] events) =>
        (await _app.PostWebhookAsync(Envelope(Entry(_page, events)))).EnsureSuccessStatusCode();

    [Fact]
    public async Task ErasureLeavesNoTraceOfAStoppedResumedAndStoppedAgainRecurringToken()
    {
        string psid = NewId(), token = NewRecurringToken(), expiring = NewRecurringToken();
        var at = _app.Time.GetUtcNow().AddDays(-20);
        await PostAsync(
            RecurringOptIn(_page, psid, "DEALS", token, at),
            RecurringOptIn(_page, psid, "NEWS", expiring, at, expiryMs: at.AddDays(60).ToUnixTimeMilliseconds()));
        await PostAsync(RecurringOptIn(_page, psid, "DEALS", token, at.AddDays(1), Stop));
        await PostAsync(RecurringOptIn(_page, psid, "DEALS", token, at.AddDays(5), Resume));
        await PostAsync(RecurringOptIn(_page, psid, "DEALS", token, at.AddDays(9), Stop));
        // An older stop delivered late loses, and leaves nothing behind either.
        await PostAsync(RecurringOptIn(_page, psid, "DEALS", token, at.AddDays(3), Stop));
        Assert.NotEmpty(await StorageTrace.FindAsync(storage.Azurite.ConnectionString, psid));

        var response = await _app.CreateKeyedClient().DeleteAsync($"/api/users/{_page}/{psid}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await response.Content.ReadFromJsonAsync<ErasureCounts>())!.Tokens);
        Assert.Empty(await StorageTrace.FindAsync(storage.Azurite.ConnectionString, psid));
    }

    [Fact]
    public async Task AStopOrResumeArrivingAfterTheErasureDoesNotBringTheErasedTokenBack()
    {
        string psid = NewId(), token = NewRecurringToken();
        var at = _app.Time.GetUtcNow().AddDays(-2);
        await PostAsync(RecurringOptIn(_page, psid, "DEALS", token, at));
        (await _app.CreateKeyedClient().DeleteAsync($"/api/users/{_page}/{psid}")).EnsureSuccessStatusCode();

        // The user then stops and resumes the notifications the erasure already deleted.
        await PostAsync(RecurringOptIn(_page, psid, "DEALS", token, _app.Time.GetUtcNow().AddMinutes(1), Stop));
        await PostAsync(RecurringOptIn(_page, psid, "DEALS", token, _app.Time.GetUtcNow().AddMinutes(2), Resume));

        Assert.Empty(await StorageTrace.FindAsync(storage.Azurite.ConnectionString, psid));
    }

    [Fact]
    public async Task AStopArrivingBeforeItsOptInStillWinsForAUserNeverErased()
    {
        string psid = NewId(), token = NewRecurringToken();
        var at = _app.Time.GetUtcNow().AddDays(-2);

        await PostAsync(RecurringOptIn(_page, psid, "DEALS", token, at.AddHours(1), Stop));
        await PostAsync(RecurringOptIn(_page, psid, "DEALS", token, at));

        Assert.True(Assert.Single(await _app.GetTokensAsync(_page, "DEALS", psid)).Stopped);
    }
}
