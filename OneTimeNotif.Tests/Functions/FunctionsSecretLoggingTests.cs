using System.Net;
using System.Text;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Functions;

/// <summary>What the Functions app writes and logs at Trace level holds no secret.</summary>
[Collection(UsesFunctionsApp.Name)]
public sealed class FunctionsSecretLoggingTests(FunctionsAppFixture app)
{
    [Fact]
    public async Task EveryPathAtTraceLevelLogsNoTokenKeyOrSecret()
    {
        string page = app.Pages[1], payload = $"P:{NewId()}", jobId = Jobs.NewJobId();
        using var client = app.CreateClient();
        using var keyed = app.CreateKeyedClient();

        // The handshake both ways, opt-ins, a bad signature, a follow-up to the end, an OTN request.
        await client.GetAsync($"/api/webhook?hub.mode=subscribe&hub.verify_token={OneTimeNotifApplication.VerifyToken}&hub.challenge=7");
        await client.GetAsync("/api/webhook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=7");
        var tokens = await app.OptInAsync(page, payload, [NewId(), NewId()]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.PostWebhookAsync(Envelope(Entry(page, OptIn(page, NewId(), payload, NewToken(), DateTimeOffset.UtcNow))), "sha256=00")).StatusCode);
        (await keyed.PostAsync("/api/followups", new StringContent(Jobs.Json(jobId, page, payload), Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        await app.WaitForJobAsync(jobId);
        await keyed.PostAsync("/api/optin-requests", new StringContent($$"""{"pageId":"{{page}}","psid":"{{NewId()}}","title":"Kettle","payload":"{{payload}}"}""", Encoding.UTF8, "application/json"));

        var output = app.Host.Output;
        Assert.Contains(output, line => line.Contains("Trce", StringComparison.Ordinal) || line.Contains("[worker Trace]", StringComparison.Ordinal));
        string[] secrets = [OneTimeNotifApplication.AppSecret, OneTimeNotifApplication.VerifyToken, OneTimeNotifApplication.PageAccessToken, app.Host.FunctionKey, .. tokens.Values];
        foreach (var line in output)
        {
            foreach (var secret in secrets)
            {
                Assert.False(line.Contains(secret, StringComparison.Ordinal), $"A secret in: {line}");
            }
        }
    }
}
