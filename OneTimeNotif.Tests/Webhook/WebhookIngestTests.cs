using System.Net;
using System.Text;
using OneTimeNotif.Tests.Infrastructure;
using OneTimeNotif.Webhook;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Webhook;

public sealed class WebhookIngestTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset OptedInAt = new(2026, 11, 20, 8, 15, 30, 123, TimeSpan.Zero);
    private OneTimeNotifApplication _app = null!;

    public Task InitializeAsync()
    {
        _app = new OneTimeNotifApplication(storage.Azurite);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task StoresAnOptInWithPayloadPagePsidAndOneYearExpiry()
    {
        string page = NewId(), psid = NewId(), token = NewToken();

        var response = await _app.PostWebhookAsync(Envelope(Entry(page, OptIn(page, psid, "RESTOCK:sku-42", token, OptedInAt))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stored = Assert.Single(await _app.GetTokensAsync(page, "RESTOCK:sku-42"));
        Assert.Equal((page, psid, "RESTOCK:sku-42", token), (stored.PageId, stored.Psid, stored.Payload, stored.Token));
        Assert.Equal(OptedInAt, stored.OptedInAt);
        Assert.Equal(new DateTimeOffset(2027, 11, 20, 8, 15, 30, 123, TimeSpan.Zero), stored.ExpiresAt);
        Assert.Null(stored.SpentAt);
    }

    [Fact]
    public async Task StoresEveryOptInOfEveryEntryAndPage()
    {
        string pageA = NewId(), pageB = NewId();
        var usersA = Enumerable.Range(0, 3).Select(_ => NewId()).ToList();
        var usersB = Enumerable.Range(0, 2).Select(_ => NewId()).ToList();
        var body = Envelope(
            Entry(pageA, [.. usersA.Select(u => OptIn(pageA, u, "OPEN:slot", NewToken(), OptedInAt))]),
            Entry(pageB, OptIn(pageB, usersB[0], "OPEN:slot", NewToken(), OptedInAt)),
            Entry(pageB, OptIn(pageB, usersB[1], "OTHER", NewToken(), OptedInAt)));

        var response = await _app.PostWebhookAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(usersA.Order(), (await _app.GetTokensAsync(pageA, "OPEN:slot")).Select(t => t.Psid).Order());
        Assert.Equal([usersB[0]], (await _app.GetTokensAsync(pageB, "OPEN:slot")).Select(t => t.Psid));
        Assert.Equal([usersB[1]], (await _app.GetTokensAsync(pageB, "OTHER")).Select(t => t.Psid));
    }

    [Fact]
    public async Task IgnoresOtherEventKindsAndStoresTheOptInsBesideThem()
    {
        string page = NewId(), psid = NewId();
        var postback = Message(page, psid, "hi");
        postback.Remove("message");
        postback["postback"] = new System.Text.Json.Nodes.JsonObject { ["title"] = "Start", ["payload"] = "GET_STARTED" };
        var otherOptIn = Message(page, psid, "x");
        otherOptIn.Remove("message");
        otherOptIn["optin"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "a_future_optin_kind", ["payload"] = "P", ["some_token"] = "x-1" };
        var body = $$$"""
            {"object":"page","entry":[
              {"id":"{{{page}}}","time":1,"changes":[{"field":"feed","value":{}}]},
              {"id":"{{{page}}}","time":1,"messaging":[
                {{{Message(page, psid, "hello").ToJsonString()}}},
                {"sender":{"id":"{{{psid}}}"},"recipient":{"id":"{{{page}}}"},"timestamp":1,"read":{"watermark":1}},
                {{{postback.ToJsonString()}}},
                {{{otherOptIn.ToJsonString()}}},
                {{{OptIn(page, psid, "P", "tok-mixed-" + psid, OptedInAt).ToJsonString()}}},
                "not an event", 17, null
              ]}]}
            """;

        var response = await _app.PostWebhookAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["tok-mixed-" + psid], (await _app.GetTokensAsync(page, "P")).Select(t => t.Token));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task KeepsNonAsciiPayloadsWhetherSentEscapedOrRaw(bool escaped)
    {
        string page = NewId(), psid = NewId(), token = NewToken();
        const string payload = "إشعار:通知してください:🛒 €42";
        var entry = Entry(page, OptIn(page, psid, payload, token, OptedInAt));
        var body = escaped ? Envelope(entry) : RawUtf8Envelope(entry);
        Assert.Equal(escaped, body.Contains("\\u", StringComparison.Ordinal));

        var response = await _app.PostWebhookAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(token, Assert.Single(await _app.GetTokensAsync(page, payload)).Token);
    }

    [Fact]
    public async Task ARedeliveredEventStoresNothingNew()
    {
        string page = NewId(), first = NewId(), second = NewId();
        var once = Envelope(Entry(page, OptIn(page, first, "P", NewToken(), OptedInAt), OptIn(page, second, "P", NewToken(), OptedInAt)));
        Assert.Equal(HttpStatusCode.OK, (await _app.PostWebhookAsync(once)).StatusCode);
        var before = await _app.GetTokensAsync(page, "P");

        // Meta retries whole deliveries, and a retry can carry old events beside new ones.
        var third = NewId();
        var again = Envelope(Entry(page,
            OptIn(page, first, "P", before.Single(t => t.Psid == first).Token, OptedInAt),
            OptIn(page, second, "P", before.Single(t => t.Psid == second).Token, OptedInAt),
            OptIn(page, third, "P", NewToken(), OptedInAt)));
        Assert.Equal(HttpStatusCode.OK, (await _app.PostWebhookAsync(once)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _app.PostWebhookAsync(again)).StatusCode);

        var after = await _app.GetTokensAsync(page, "P");
        Assert.Equal(3, after.Count);
        Assert.Equal(before.OrderBy(t => t.Psid), after.Where(t => t.Psid != third).OrderBy(t => t.Psid));
        Assert.Contains(_app.Logs.Entries, l => l.EventId.Id == 3001 && l.Text.Contains("1 new, 2 already stored", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OneUsersTokensOnATopicAreItsOwnRange()
    {
        string page = NewId(), user = NewId(), other = NewId();
        var body = Envelope(Entry(page,
            OptIn(page, user, "P", NewToken(), OptedInAt),
            OptIn(page, user, "P", NewToken(), OptedInAt.AddDays(1)),
            OptIn(page, other, "P", NewToken(), OptedInAt)));

        Assert.Equal(HttpStatusCode.OK, (await _app.PostWebhookAsync(body)).StatusCode);

        var mine = await _app.GetTokensAsync(page, "P", user);
        Assert.Equal(2, mine.Count);
        Assert.All(mine, t => Assert.Equal(user, t.Psid));
    }

    [Fact]
    public async Task AHundredOptInsInOnePostAreAllStored()
    {
        var page = NewId();
        var optIns = Enumerable.Range(0, 100)
            .Select(i => OptIn(page, NewId(), i % 2 == 0 ? "EVEN" : $"ODD-{i % 7}", NewToken(), OptedInAt))
            .ToArray();

        var response = await _app.PostWebhookAsync(Envelope(Entry(page, optIns)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(50, (await _app.GetTokensAsync(page, "EVEN")).Count);
        var odd = 0;
        for (var k = 0; k < 7; k++)
        {
            odd += (await _app.GetTokensAsync(page, $"ODD-{k}")).Count;
        }
        Assert.Equal(50, odd);
    }

    [Fact]
    public async Task AnOptInWithoutATokenOrWithANonNumericSenderIsSkippedNotFatal()
    {
        string page = NewId(), psid = NewId(), token = NewToken();
        var noToken = OptIn(page, NewId(), "P", "x", OptedInAt);
        noToken["optin"]!.AsObject().Remove("one_time_notif_token");
        var badSender = OptIn(page, "not-a-psid", "P", NewToken(), OptedInAt);

        var response = await _app.PostWebhookAsync(Envelope(Entry(page, noToken, badSender, OptIn(page, psid, "P", token, OptedInAt))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([token], (await _app.GetTokensAsync(page, "P")).Select(t => t.Token));
        Assert.Contains(_app.Logs.Entries, l => l.EventId.Id == 3005 && l.Text.StartsWith("2 OTN opt-ins skipped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnOptInWhosePayloadIsALoneSurrogateEscapeIsSkippedAndItsSiblingsStored()
    {
        string page = NewId(), psid = NewId(), token = NewToken();
        // Valid JSON that no .NET string can hold: a high surrogate without its low half.
        var body = Envelope(Entry(page, OptIn(page, NewId(), "LONE", NewToken(), OptedInAt), OptIn(page, psid, "P", token, OptedInAt)))
            .Replace("\"LONE\"", "\"\\uD83Dx\"", StringComparison.Ordinal);

        var response = await _app.PostWebhookAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([token], (await _app.GetTokensAsync(page, "P")).Select(t => t.Token));
        Assert.Contains(_app.Logs.Entries, l => l.EventId.Id == 3005 && l.Text.StartsWith("1 OTN opt-ins skipped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnEventWhoseOptInTypeIsALoneSurrogateEscapeIsIgnoredAndItsSiblingsStored()
    {
        string page = NewId(), psid = NewId(), token = NewToken();
        var body = Envelope(Entry(page, OptIn(page, NewId(), "P", NewToken(), OptedInAt), OptIn(page, psid, "P", token, OptedInAt)));
        // Only the first event's type: "one_time_notif" followed by a low surrogate without its high half (found by the fuzz test).
        var first = body.IndexOf("\"one_time_notif_req\"", StringComparison.Ordinal);
        body = string.Concat(body.AsSpan(0, first), "\"one_time_notif\\uDE00\"", body.AsSpan(first + "\"one_time_notif_req\"".Length));

        var response = await _app.PostWebhookAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([token], (await _app.GetTokensAsync(page, "P")).Select(t => t.Token));
    }

    [Fact]
    public async Task AMissingSignatureIs401AndStoresNothing()
    {
        var page = NewId();
        var body = Encoding.UTF8.GetBytes(Envelope(Entry(page, OptIn(page, NewId(), "P", NewToken(), OptedInAt))));

        var response = await _app.PostWebhookAsync(body, signature: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("X-Hub-Signature-256", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await _app.GetTokensAsync(page, "P"));
    }

    [Theory]
    [InlineData("wrong secret")]
    [InlineData("tampered body")]
    [InlineData("sha1=abc")]
    [InlineData("sha256=zz")]
    [InlineData("sha256=")]
    public async Task AWrongSignatureIs401AndStoresNothing(string kind)
    {
        var page = NewId();
        var body = Encoding.UTF8.GetBytes(Envelope(Entry(page, OptIn(page, NewId(), "P", NewToken(), OptedInAt))));
        var signature = kind switch
        {
            "wrong secret" => WebhookSignature.Sign(body, "not-the-app-secret"),
            "tampered body" => WebhookSignature.Sign(body, OneTimeNotifApplication.AppSecret),
            _ => kind,
        };
        if (kind == "tampered body")
        {
            body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("\"P\"", "\"Q\"", StringComparison.Ordinal));
        }

        var response = await _app.PostWebhookAsync(body, signature);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await _app.GetTokensAsync(page, "P"));
        Assert.Empty(await _app.GetTokensAsync(page, "Q"));
    }

    [Theory]
    [InlineData("{\"object\":\"page\",\"entry\":[")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("\"page\"")]
    [InlineData("")]
    [InlineData("{\"object\":\"page\",\"entry\":[{\"messaging\":[{\"optin\":{\"type\":\"one_time_notif_req\",}}]}]}")]
    public async Task MalformedJsonIs400WithAReason(string body)
    {
        var response = await _app.PostWebhookAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("JSON", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABodyOverTheLimitIs413AndStoresNothing()
    {
        await using var app = new OneTimeNotifApplication(storage.Azurite, new Dictionary<string, string?> { ["Webhook:MaxBodyBytes"] = "2048" });
        var page = NewId();
        var optIns = Enumerable.Range(0, 20).Select(_ => OptIn(page, NewId(), "P", NewToken(), OptedInAt)).ToArray();
        var body = Envelope(Entry(page, optIns));
        Assert.True(Encoding.UTF8.GetByteCount(body) > 2048);

        var response = await app.PostWebhookAsync(body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await app.GetTokensAsync(page, "P"));
    }

    [Fact]
    public async Task WhenStorageIsDownTheAnswerIs503SoMetaRetries()
    {
        var down = Azurite.ConnectionStringFor(Azurite.FreePort(), Azurite.FreePort(), Azurite.FreePort());
        await using var app = new OneTimeNotifApplication(down);
        var page = NewId();

        var response = await app.PostWebhookAsync(Envelope(Entry(page, OptIn(page, NewId(), "P", NewToken(), OptedInAt))));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains(app.Logs.Entries, l => l.EventId.Id == 3006);
    }

    [Fact]
    public async Task AnEnvelopeForAnotherObjectIsAcknowledgedAndStoresNothing()
    {
        var page = NewId();
        var body = Envelope(Entry(page, OptIn(page, NewId(), "P", NewToken(), OptedInAt))).Replace("\"page\"", "\"instagram\"", StringComparison.Ordinal);

        var response = await _app.PostWebhookAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await _app.GetTokensAsync(page, "P"));
    }
}
