using System.Net;
using System.Text.Json.Nodes;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Functions;

/// <summary>Meta's webhook served by the built Functions app, through the Functions test host.</summary>
[Collection(UsesFunctionsApp.Name)]
public sealed class FunctionsWebhookTests(FunctionsAppFixture app)
{
    [Fact]
    public async Task TheHandshakeAnswersTheChallengeOnlyForTheVerifyToken()
    {
        using var client = app.CreateClient();

        var accepted = await client.GetAsync($"/api/webhook?hub.mode=subscribe&hub.verify_token={OneTimeNotifApplication.VerifyToken}&hub.challenge=4242");
        var refused = await client.GetAsync("/api/webhook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=4242");

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("4242", await accepted.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task ASignedBatchStoresEveryOptInOfEveryPageAndIgnoresOtherEventsAndItsRedeliveryStoresNothingNew()
    {
        string pageA = NewId(), pageB = NewId(), payload = $"RESTOCK:{NewId()}";
        var usersA = Enumerable.Range(0, 3).Select(_ => NewId()).ToList();
        string userB = NewId();
        var optInsA = usersA.Select(u => OptIn(pageA, u, payload, NewToken(), DateTimeOffset.UtcNow.AddMinutes(-5))).ToList();
        var read = Message(pageB, userB, "x");
        read.Remove("message");
        read["read"] = new JsonObject { ["watermark"] = 1 };
        var body = Envelope(
            Entry(pageA, [.. optInsA, Message(pageA, usersA[0], "hello")]),
            Entry(pageB, read, OptIn(pageB, userB, payload, NewToken(), DateTimeOffset.UtcNow.AddMinutes(-5))));

        var first = await app.PostWebhookAsync(body);
        var storedA = await app.GetTokensAsync(pageA, payload);
        var again = await app.PostWebhookAsync(body);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("EVENT_RECEIVED", await first.Content.ReadAsStringAsync());
        Assert.Equal(usersA.Order(), storedA.Select(t => t.Psid).Order());
        Assert.Equal([userB], (await app.GetTokensAsync(pageB, payload)).Select(t => t.Psid));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(storedA.Select(t => (t.Psid, t.Token)).Order(), (await app.GetTokensAsync(pageA, payload)).Select(t => (t.Psid, t.Token)).Order());
    }

    [Fact]
    public async Task ABadSignatureIsRefusedAndStoresNothing()
    {
        string page = NewId(), payload = $"P:{NewId()}";
        var body = Envelope(Entry(page, OptIn(page, NewId(), payload, NewToken(), DateTimeOffset.UtcNow)));

        var response = await app.PostWebhookAsync(body, signature: "sha256=" + new string('0', 64));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await app.GetTokensAsync(page, payload));
    }

    [Fact]
    public async Task WhileStorageIsDownAnOptInIsAnswered503SoMetaDeliversItAgain()
    {
        string page = NewId(), payload = $"P:{NewId()}";
        var body = Envelope(Entry(page, OptIn(page, NewId(), payload, NewToken(), DateTimeOffset.UtcNow)));

        await app.Azurite.StopAsync();
        HttpResponseMessage whileDown;
        try
        {
            whileDown = await app.PostWebhookAsync(body);
        }
        finally
        {
            await app.Azurite.RestartAsync();
        }
        var redelivered = await app.PostWebhookAsync(body);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, whileDown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, redelivered.StatusCode);
        Assert.Single(await app.GetTokensAsync(page, payload));
    }
}
