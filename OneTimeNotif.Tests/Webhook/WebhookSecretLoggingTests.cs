using System.Net;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Webhook;

public sealed class WebhookSecretLoggingTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task AFullIngestAtTraceLevelLogsNoTokenAndNoSecret()
    {
        await using var app = new OneTimeNotifApplication(storage.Azurite, new Dictionary<string, string?>
        {
            ["Messenger:Pages:1:AccessToken"] = OneTimeNotifApplication.PageAccessToken,
        });
        var page = NewId();
        var tokens = Enumerable.Range(0, 5).Select(_ => NewToken()).ToList();
        var body = Envelope(Entry(page, [.. tokens.Select(t => OptIn(page, NewId(), "P", t, DateTimeOffset.UnixEpoch.AddYears(56)))]));

        // Every path: handshake both ways, a stored batch, its re-delivery, a bad signature, a malformed body.
        var client = app.CreateClient();
        await client.GetAsync($"/api/webhook?hub.mode=subscribe&hub.verify_token={OneTimeNotifApplication.VerifyToken}&hub.challenge=7");
        await client.GetAsync("/api/webhook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=7");
        Assert.Equal(HttpStatusCode.OK, (await app.PostWebhookAsync(body)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.PostWebhookAsync(body)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.PostWebhookAsync(System.Text.Encoding.UTF8.GetBytes(body), "sha256=00")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.PostWebhookAsync(body[..^3])).StatusCode);

        Assert.Contains(app.Logs.Entries, l => l.EventId.Id == 2001 && l.Level == Microsoft.Extensions.Logging.LogLevel.Debug);
        string[] secrets = [OneTimeNotifApplication.AppSecret, OneTimeNotifApplication.VerifyToken, OneTimeNotifApplication.PageAccessToken, .. tokens];
        foreach (var entry in app.Logs.Entries)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, entry.Text, StringComparison.Ordinal);
            }
        }
    }
}
