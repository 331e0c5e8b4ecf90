using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneTimeNotif.Privacy;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Functions;

/// <summary>The Functions app's privacy routes: erasing a user (function key), Meta's data-deletion callback and its queue trigger.</summary>
[Collection(UsesFunctionsApp.Name)]
public sealed class FunctionsPrivacyTests(FunctionsAppFixture app)
{
    [Fact]
    public async Task ErasingAUserNeedsTheFunctionKeyAndRemovesTheUsersTokens()
    {
        string page = app.Pages[0], user = NewId(), other = NewId(), payload = $"RESTOCK:{NewId()}";
        await app.OptInAsync(page, payload, [user, other]);
        using var anonymous = app.CreateClient();
        using var keyed = app.CreateKeyedClient();

        var withoutKey = await anonymous.DeleteAsync($"/api/users/{page}/{user}");
        var erased = await keyed.DeleteAsync($"/api/users/{page}/{user}");

        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        Assert.Equal(new ErasureCounts(1, 0, 0), await erased.Content.ReadFromJsonAsync<ErasureCounts>());
        Assert.Equal([other], (await app.GetTokensAsync(page, payload)).Select(t => t.Psid));
    }

    [Fact]
    public async Task MetasCallbackErasesTheUserThroughTheQueueTriggerAndTheStatusPageSaysDone()
    {
        string page = app.Pages[1], user = NewId(), asid = NewId(), payload = $"RESTOCK:{NewId()}";
        await app.OptInAsync(page, payload, [user]);
        app.Fake.AddPageScopedId(asid, page, user);
        var signed = SignedRequest.Sign(new JsonObject { ["algorithm"] = "HMAC-SHA256", ["issued_at"] = 1_764_000_000, ["user_id"] = asid }.ToJsonString(), OneTimeNotifApplication.AppSecret);
        using var client = app.CreateClient();

        var response = await client.PostAsync("/api/meta/data-deletion", new FormUrlEncodedContent([new("signed_request", signed)]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var url = new Uri((await response.Content.ReadFromJsonAsync<JsonObject>())!["url"]!.GetValue<string>());
        var statusPage = await Poll.UntilAsync(
            () => client.GetStringAsync(url.PathAndQuery),
            page => page.Contains("Status: done", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30),
            page => $"the request never finished: {page}");
        Assert.Contains("Erased: 1 notification request(s)", statusPage, StringComparison.Ordinal);
        Assert.Empty(await app.GetTokensAsync(page, payload));
    }
}
