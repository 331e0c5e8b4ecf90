using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using OneTimeNotif.FakeSendApi;
using OneTimeNotif.OptInRequests;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.OptInRequests;

/// <summary><c>POST /api/optin-requests</c> over HTTP, through the real host, to the fake Send API.</summary>
public sealed class OptInRequestEndpointTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly string _page = NewId();
    private readonly string _psid = NewId();
    private OneTimeNotifApplication _app = null!;

    public Task InitializeAsync()
    {
        _app = new OneTimeNotifApplication(storage.Azurite) { SendApiPages = [_page] };
        _app.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private JsonObject Request(string title = "Tell me when the blue kettle is back", string payload = "RESTOCK:sku-42", params string[] sensitive)
    {
        var body = new JsonObject { ["pageId"] = _page, ["psid"] = _psid, ["title"] = title, ["payload"] = payload };
        if (sensitive.Length > 0)
        {
            body["sensitiveValues"] = new JsonArray([.. sensitive.Select(s => JsonValue.Create(s))]);
        }
        return body;
    }

    private static async Task<ProblemDetails> ProblemAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<ProblemDetails>())!;

    [Fact]
    public async Task TheRequestTemplateIsSentToTheUserAsMetaDocumentsIt()
    {
        var response = await _app.PostOptInRequestAsync(Request());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = (await response.Content.ReadFromJsonAsync<OptInRequestSent>())!;
        var delivery = Assert.Single(_app.SendApi.Deliveries);
        Assert.Equal((_page, _psid, delivery.MessageId), (sent.PageId, sent.Psid, sent.MessageId));
        Assert.Equal((_page, _psid, null), (delivery.PageId, delivery.Psid, delivery.Token));
        var expected = JsonNode.Parse("""
            {"attachment":{"type":"template","payload":{"template_type":"one_time_notif_req",
             "title":"Tell me when the blue kettle is back","payload":"RESTOCK:sku-42"}}}
            """);
        Assert.True(JsonNode.DeepEquals(expected, delivery.Message), delivery.Message.ToJsonString());
    }

    [Fact]
    public async Task WithoutTheKeyTheAnswerIs401AndMetaIsNotCalled()
    {
        var response = await _app.PostOptInRequestAsync(Request(), withKey: false);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, _app.SendApi.Calls);
    }

    [Fact]
    public async Task ATitleOf65CharactersAsUsersSeeThemIsAcceptedEvenWhenMadeOfManyCodePoints()
    {
        // 65 family emoji: 65 characters on screen, 520 UTF-16 code units.
        var title = string.Concat(Enumerable.Repeat("👨‍👩‍👧‍👦", 65));

        var response = await _app.PostOptInRequestAsync(Request(title: title));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(_app.SendApi.Deliveries);
    }

    public static TheoryData<string, string, string> InvalidRequests => new()
    {
        { "title", "", "title must not be empty" },
        { "title", "   ", "title must not be empty" },
        { "title", new string('a', 66), "title is 66 characters long; Meta allows at most 65" },
        { "title", string.Concat(Enumerable.Repeat("e\u0301", 66)), "title is 66 characters long" },
        { "payload", "", "payload must not be empty" },
        { "payload", new string('p', 1001), "payload is 1001 characters long; at most 1000" },
        { "payload", "NOTIFY:jane@example.com", "payload carries an e-mail address" },
        { "payload", "CALL:+33 6 12 34 56 78", "payload carries a phone number" },
        { "payload", "CARD:4111-1111-1111-1111", "payload carries a card number" },
        { "psid", "not-a-psid", "psid must be a PSID" },
        { "pageId", "99999", "Page 99999 is not served here" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task AnInvalidRequestIs400WithTheReasonBeforeAnyCallToMeta(string field, string value, string reason)
    {
        var body = Request();
        body[field] = value;

        var response = await _app.PostOptInRequestAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, (await ProblemAsync(response)).Detail, StringComparison.Ordinal);
        Assert.Equal(0, _app.SendApi.Calls);
    }

    [Fact]
    public async Task APayloadCarryingAValueTheCallerMarksSensitiveIs400WithoutEchoingTheValue()
    {
        var response = await _app.PostOptInRequestAsync(Request(payload: "WAITLIST:ACME-778812", sensitive: ["acme-778812"]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await ProblemAsync(response)).Detail!;
        Assert.Contains("a value marked sensitive", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("778812", detail, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, _app.SendApi.Calls);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"pageId\":1}")]
    public async Task ABodyThatIsNotARequestIs400(string body)
    {
        var response = await _app.CreateKeyedClient().PostAsync(OptInRequestEndpoints.Route, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, _app.SendApi.Calls);
    }

    public static TheoryData<string, HttpStatusCode, string> MetaRefusals => new()
    {
        { nameof(FakeError.RepeatedRequest), HttpStatusCode.TooManyRequests, "a request on this topic was already sent to this user" },
        { nameof(FakeError.OptInRequestLimit), HttpStatusCode.TooManyRequests, "limit of opt-in requests" },
        { nameof(FakeError.Throttled), HttpStatusCode.TooManyRequests, "rate limited" },
        { nameof(FakeError.OutsideWindow), HttpStatusCode.Conflict, "outside the 24-hour messaging window" },
        { nameof(FakeError.UserUnavailable), HttpStatusCode.Conflict, "not available" },
        { nameof(FakeError.MissingPermission), HttpStatusCode.BadGateway, "lacks a permission" },
        { nameof(FakeError.ServerError), HttpStatusCode.ServiceUnavailable, "try again later" },
    };

    [Theory]
    [MemberData(nameof(MetaRefusals))]
    public async Task MetasRefusalsBecomeClearAnswers(string error, HttpStatusCode status, string reason)
    {
        var fakeError = (FakeError)typeof(FakeError).GetField(error)!.GetValue(null)!;
        // Thrice: a throttled call goes again after the Page's pause, twice at most.
        _app.SendApi.FailNext(fakeError, fakeError, fakeError);

        var response = await _app.PostOptInRequestAsync(Request());

        Assert.Equal(status, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Contains(reason, problem.Detail, StringComparison.Ordinal);
        Assert.Equal(fakeError.Code, ((System.Text.Json.JsonElement)problem.Extensions["metaCode"]!).GetInt32());
    }

    [Fact]
    public async Task APageMetaBlockedIs429WithRetryAfterAndTheNextRequestWaitsWithoutCallingMeta()
    {
        _app.SendApi.BlockPage(_page, TimeSpan.FromSeconds(30));

        var first = await _app.PostOptInRequestAsync(Request());
        var second = await _app.PostOptInRequestAsync(Request());

        Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        Assert.InRange(first.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Contains("send budget is paused", (await ProblemAsync(second)).Detail, StringComparison.Ordinal);
        Assert.Equal(1, _app.SendApi.Calls);
    }

    [Fact]
    public async Task ATitleMetaRefusesIs400WithMetasReason()
    {
        _app.SendApi.FailNext(new FakeError(400, 100, null, "(#100) Param message[attachment][payload][title] is invalid"));

        var response = await _app.PostOptInRequestAsync(Request());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Meta refused a parameter", (await ProblemAsync(response)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadPageTokenIs502NamingThePageAndNeverTheToken()
    {
        const string revoked = "EAAGrevoked-page-token-77c1";
        await _app.RestartAsync(new Dictionary<string, string?> { [$"Messenger:Pages:{_page}:AccessToken"] = revoked });

        var response = await _app.PostOptInRequestAsync(Request());

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains($"access token of Page {_page}", body, StringComparison.Ordinal);
        Assert.Contains($"Messenger__Pages__{_page}__AccessToken", body, StringComparison.Ordinal);
        Assert.DoesNotContain(revoked, body, StringComparison.Ordinal);
        Assert.All(_app.Logs.Entries, l => Assert.DoesNotContain(revoked, l.Text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task NeitherTheTitleNorThePayloadNorASensitiveValueIsLogged()
    {
        const string title = "Secret-ish title 3d1f", payload = "TOPIC:9f2c-payload";
        await _app.PostOptInRequestAsync(Request(title: title, payload: payload));
        await _app.PostOptInRequestAsync(Request(title: title, payload: "TOPIC:hidden-7a1e", sensitive: ["hidden-7a1e"]));
        _app.SendApi.FailNext(FakeError.OutsideWindow);
        await _app.PostOptInRequestAsync(Request(title: title, payload: payload));

        Assert.Contains(_app.Logs.Entries, l => l.EventId.Id == 8001);
        Assert.Contains(_app.Logs.Entries, l => l.EventId.Id == 8002);
        Assert.Contains(_app.Logs.Entries, l => l.EventId.Id == 8003);
        foreach (var secret in new[] { title, payload, "hidden-7a1e", OneTimeNotifApplication.PageAccessToken })
        {
            Assert.All(_app.Logs.Entries, l => Assert.DoesNotContain(secret, l.Text, StringComparison.Ordinal));
        }
    }
}
