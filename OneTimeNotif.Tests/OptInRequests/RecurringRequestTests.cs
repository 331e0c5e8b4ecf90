using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using OneTimeNotif.FakeSendApi;
using OneTimeNotif.OptInRequests;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.OptInRequests;

/// <summary><c>POST /api/optin-requests</c> with <c>"kind": "recurring"</c>: Meta's <c>notification_messages</c> template.</summary>
public sealed class RecurringRequestTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly string _page = NewId();
    private readonly string _psid = NewId();
    private OneTimeNotifApplication _app = null!;

    public Task InitializeAsync()
    {
        _app = new OneTimeNotifApplication(storage.Azurite) { SendApiPages = [_page] };
        // Meta's 48-hour rule runs on the same clock as the host.
        _app.SendApi.Clock = _app.Time;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private JsonObject Request(string title = "Weekly deals on kettles", string payload = "DEALS:kettles") => new()
    {
        ["kind"] = "recurring",
        ["pageId"] = _page,
        ["psid"] = _psid,
        ["title"] = title,
        ["payload"] = payload,
    };

    private static async Task<string> DetailAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail!;

    [Fact]
    public async Task TheRecurringTemplateIsSentWithEveryOptionalFieldAsMetaDocumentsIt()
    {
        var body = Request();
        body["imageUrl"] = "https://shop.example/kettle.png";
        body["ctaText"] = "GET_UPDATES";
        body["timezone"] = "Asia/Tokyo";

        var response = await _app.PostOptInRequestAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var delivery = Assert.Single(_app.SendApi.Deliveries);
        Assert.Equal(_psid, delivery.Psid);
        var expected = JsonNode.Parse("""
            {"attachment":{"type":"template","payload":{"template_type":"notification_messages",
             "title":"Weekly deals on kettles","payload":"DEALS:kettles","image_url":"https://shop.example/kettle.png",
             "notification_messages_timezone":"Asia/Tokyo","notification_messages_cta_text":"GET_UPDATES"}}}
            """);
        Assert.True(JsonNode.DeepEquals(expected, delivery.Message), delivery.Message.ToJsonString());
    }

    [Fact]
    public async Task OnlyTitleAndPayloadAreNeeded()
    {
        var response = await _app.PostOptInRequestAsync(Request(title: "お知らせ・إشعارات", payload: "عروض:週刊"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var template = Assert.Single(_app.SendApi.Deliveries).Message["attachment"]!["payload"]!.AsObject();
        Assert.Equal(["template_type", "title", "payload"], template.Select(p => p.Key));
        Assert.Equal("عروض:週刊", template["payload"]!.GetValue<string>());
    }

    public static TheoryData<string, string?, string> InvalidRequests => new()
    {
        { "title", new string('t', 66), "title is 66 characters long; Meta allows at most 65" },
        { "title", null, "title is required" },
        { "payload", null, "payload is required" },
        { "payload", "DEALS:jane@example.com", "payload carries an e-mail address" },
        { "imageUrl", "http://shop.example/kettle.png", "imageUrl must be an absolute https URL" },
        { "imageUrl", "kettle.png", "imageUrl must be an absolute https URL" },
        { "ctaText", "SUBSCRIBE", "ctaText must be one of ALLOW, GET, GET_UPDATES, OPT_IN, SIGN_UP" },
        { "timezone", "Tokyo Standard Time", "timezone must be an IANA time zone" },
        { "timezone", "Mars/Olympus_Mons", "timezone must be an IANA time zone" },
        { "timezone", "../../etc/passwd", "timezone must be an IANA time zone" },
        { "kind", "weekly", "kind, when present, must be \"otn\" or \"recurring\"" },
        { "frequency", "DAILY", "Unknown fields: frequency" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task AnInvalidRecurringRequestIs400WithTheReasonBeforeAnyCallToMeta(string field, string? value, string reason)
    {
        var body = Request();
        if (value is null)
        {
            body.Remove(field);
        }
        else
        {
            body[field] = value;
        }

        var response = await _app.PostOptInRequestAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await DetailAsync(response), StringComparison.Ordinal);
        Assert.Equal(0, _app.SendApi.Calls);
    }

    [Fact]
    public async Task RecurringFieldsOnAnOtnRequestAre400()
    {
        var body = Request();
        body.Remove("kind");
        body["timezone"] = "Europe/Paris";

        var response = await _app.PostOptInRequestAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("timezone: only a recurring request", await DetailAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSameTitleTwiceInAWeekIs429AsMetaRefusesItAndAllowedAgainAfterTheWeek()
    {
        Assert.Equal(HttpStatusCode.OK, (await _app.PostOptInRequestAsync(Request())).StatusCode);

        var again = await _app.PostOptInRequestAsync(Request());

        Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
        Assert.Contains("already sent to this user this week", await DetailAsync(again), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _app.PostOptInRequestAsync(Request(title: "Another title"))).StatusCode);

        _app.Time.Advance(TimeSpan.FromDays(7));
        Assert.Equal(HttpStatusCode.OK, (await _app.PostOptInRequestAsync(Request())).StatusCode);
    }

    [Theory]
    [InlineData(nameof(FakeError.OptInRequestLimit), HttpStatusCode.TooManyRequests, "limit of opt-in requests")]
    [InlineData(nameof(FakeError.OutsideWindow), HttpStatusCode.Conflict, "outside the 24-hour messaging window")]
    [InlineData(nameof(FakeError.RecurringStopped), HttpStatusCode.Conflict, "stopped notifications")]
    public async Task MetasOtherRefusalsMapAsForTheOtnRequest(string error, HttpStatusCode status, string reason)
    {
        _app.SendApi.FailNext((FakeError)typeof(FakeError).GetField(error)!.GetValue(null)!);

        var response = await _app.PostOptInRequestAsync(Request());

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(reason, await DetailAsync(response), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Asia/Tokyo", true)]
    [InlineData("Europe/London", true)]
    [InlineData("America/Argentina/Buenos_Aires", true)]
    [InlineData("UTC", true)]
    [InlineData("Tokyo Standard Time", false)]
    [InlineData("asia/nowhere", false)]
    [InlineData("", false)]
    [InlineData("/etc/localtime", false)]
    public void IanaZonesResolveUnderInvariantGlobalization(string zone, bool valid) =>
        Assert.Equal(valid, OptInRequestRules.IsIanaTimeZone(zone));
}
