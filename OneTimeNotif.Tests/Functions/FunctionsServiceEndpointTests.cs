using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Functions;

/// <summary>The Functions app's routes for services: function keys, and the OTN request.</summary>
[Collection(UsesFunctionsApp.Name)]
public sealed class FunctionsServiceEndpointTests(FunctionsAppFixture app)
{
    [Fact]
    public async Task ServiceRoutesAnswerOnlyWithTheFunctionKeyInTheHeaderOrTheCodeParameter()
    {
        var jobId = Jobs.NewJobId();
        using var anonymous = app.CreateClient();
        using var wrongKey = app.CreateClient();
        wrongKey.DefaultRequestHeaders.Add(OneTimeNotif.Http.FunctionKey.HeaderName, "not-the-key");
        using var keyed = app.CreateKeyedClient();

        var withoutKey = await anonymous.GetAsync($"/api/followups/{jobId}");
        var withWrongKey = await wrongKey.GetAsync($"/api/followups/{jobId}");
        var submitWithoutKey = await anonymous.PostAsJsonAsync("/api/followups", new JsonObject());
        var withHeader = await keyed.GetAsync($"/api/followups/{jobId}");
        var withCode = await anonymous.GetAsync($"/api/followups/{jobId}?code={Uri.EscapeDataString(app.Host.FunctionKey)}");

        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withWrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, submitWithoutKey.StatusCode);
        // Past the key, the app itself answers: no such job (the route value reached the function as its jobId).
        Assert.Equal(HttpStatusCode.NotFound, withHeader.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, withCode.StatusCode);
    }

    [Fact]
    public async Task TheOtnRequestSendsMetasTemplateToTheUser()
    {
        string page = app.Pages[0], psid = NewId();
        using var client = app.CreateKeyedClient();
        var body = new JsonObject { ["pageId"] = page, ["psid"] = psid, ["title"] = "Tell me when the kettle is back", ["payload"] = $"RESTOCK:{NewId()}" };

        var response = await client.PostAsJsonAsync("/api/optin-requests", body);
        var refused = await client.PostAsJsonAsync("/api/optin-requests", new JsonObject { ["pageId"] = page, ["psid"] = psid, ["title"] = "", ["payload"] = "P" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var messageId = (await response.Content.ReadFromJsonAsync<JsonObject>())!["messageId"]!.GetValue<string>();
        var delivery = Assert.Single(app.Fake.Deliveries, d => d.Psid == psid);
        Assert.Equal(messageId, delivery.MessageId);
        Assert.Equal("one_time_notif_req", delivery.Message["attachment"]?["payload"]?["template_type"]?.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }
}
