using System.Net;

namespace OneTimeNotif.Tests.Functions;

/// <summary>Meta's webhook served by the built Functions app, through the Functions test host.</summary>
[Collection(UsesFunctionsApp.Name)]
public sealed class FunctionsWebhookTests(FunctionsAppFixture app)
{
    [Fact]
    public async Task TheHandshakeAnswersTheChallengeOnlyForTheVerifyToken()
    {
        using var client = app.CreateClient();

        var accepted = await client.GetAsync($"/api/webhook?hub.mode=subscribe&hub.verify_token={Infrastructure.OneTimeNotifApplication.VerifyToken}&hub.challenge=4242");
        var refused = await client.GetAsync("/api/webhook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=4242");

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("4242", await accepted.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
