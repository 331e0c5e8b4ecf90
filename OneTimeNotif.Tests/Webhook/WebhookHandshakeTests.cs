using System.Net;
using OneTimeNotif.Tests.Infrastructure;

namespace OneTimeNotif.Tests.Webhook;

public sealed class WebhookHandshakeTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private OneTimeNotifApplication _app = null!;

    public Task InitializeAsync()
    {
        _app = new OneTimeNotifApplication(storage.Azurite);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task EchoesTheChallengeForSubscribeWithTheVerifyToken()
    {
        var response = await _app.CreateClient().GetAsync(
            $"/api/webhook?hub.mode=subscribe&hub.verify_token={OneTimeNotifApplication.VerifyToken}&hub.challenge=1158201444");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1158201444", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("hub.mode=subscribe&hub.verify_token=wrong-token&hub.challenge=9081726354")]
    [InlineData("hub.mode=unsubscribe&hub.verify_token=" + OneTimeNotifApplication.VerifyToken + "&hub.challenge=9081726354")]
    [InlineData("hub.verify_token=" + OneTimeNotifApplication.VerifyToken + "&hub.challenge=9081726354")]
    [InlineData("hub.mode=subscribe&hub.challenge=9081726354")]
    [InlineData("hub.mode=subscribe&hub.verify_token=" + OneTimeNotifApplication.VerifyToken)]
    [InlineData("")]
    public async Task RefusesAnyOtherHandshakeWith403(string query)
    {
        var response = await _app.CreateClient().GetAsync($"/api/webhook?{query}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("9081726354", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
