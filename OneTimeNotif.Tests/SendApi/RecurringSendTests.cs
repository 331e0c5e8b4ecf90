using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.SendApi;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.SendApi;

/// <summary>Sends with a recurring token, against the fake's version of Meta's rules: reusable, 48 hours apart, never once stopped.</summary>
public sealed class RecurringSendTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
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

    private SendApiClient Client => _app.Services.GetRequiredService<SendApiClient>();

    private static JsonObject Text => new() { ["text"] = "This week's deals" };

    [Fact]
    public async Task ARecurringTokenGoesAsNotificationMessagesTokenAndAgainOnly48HoursLater()
    {
        var token = NewRecurringToken();

        var first = await Client.SendWithRecurringTokenAsync(_page, token, Text);
        var tooSoon = await Client.SendWithRecurringTokenAsync(_page, token, Text);
        _app.Time.Advance(TimeSpan.FromHours(48));
        var later = await Client.SendWithRecurringTokenAsync(_page, token, Text);

        Assert.Equal(SendStatus.Sent, first.Status);
        Assert.Equal(SendStatus.TooSoon, tooSoon.Status);
        Assert.Equal((4, 2018354), (tooSoon.Error!.Code, tooSoon.Error.Subcode));
        Assert.Equal(SendStatus.Sent, later.Status);
        Assert.Equal([token, token], _app.SendApi.Deliveries.Select(d => d.RecurringToken));
        Assert.All(_app.SendApi.Deliveries, d => Assert.Null(d.Token));
        // Too soon is about one token, not the Page's rate: it is not retried like throttling.
        Assert.Equal(3, _app.SendApi.Calls);
    }

    [Fact]
    public async Task AStoppedTokenIsRefusedWith1893015UntilResumed()
    {
        var token = NewRecurringToken();
        _app.SendApi.StopRecurringToken(token);

        var stopped = await Client.SendWithRecurringTokenAsync(_page, token, Text);
        _app.SendApi.ResumeRecurringToken(token);
        var resumed = await Client.SendWithRecurringTokenAsync(_page, token, Text);

        Assert.Equal(SendStatus.UserUnavailable, stopped.Status);
        Assert.True(SendErrorClassifier.IsStoppedNotifications(stopped.Error!));
        Assert.Equal(SendStatus.Sent, resumed.Status);
    }
}
