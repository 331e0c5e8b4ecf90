using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OneTimeNotif.Tests.Infrastructure;

namespace OneTimeNotif.Tests.Cli;

/// <summary>
/// <c>otn request</c>: end to end through the standalone host to the fake Send API, and against a stub of the
/// endpoint's contract for the exact body, the key and each kind of refusal.
/// </summary>
[Collection(UsesOperatorTools.Name)]
public sealed class RequestCommandTests(AzuriteFixture storage) : IAsyncLifetime
{
    private OtnCommandLine _otn = null!;

    public async Task InitializeAsync() => _otn = await OtnCommandLine.StartAsync(storage.Azurite);

    public async Task DisposeAsync() => await _otn.DisposeAsync();

    private static readonly string[] Request =
        ["request", "--page", "1234567890", "--psid", "24680", "--title", "Tell me when the kettle is back", "--payload", "RESTOCK:kettle"];

    [Fact]
    public async Task TheServiceSendsMetaTheRequestTemplateAndTheCommandPrintsItsMessageId()
    {
        var run = await _otn.RunAsync(["request", "--page", _otn.Page, "--psid", "24680", "--title", "Tell me when the kettle is back", "--payload", "RESTOCK:kettle"]);

        run.AssertSucceeded();
        var sent = Assert.Single(_otn.Fake.Deliveries);
        Assert.Equal(("24680", null), (sent.Psid, sent.Token));
        var template = sent.Message["attachment"]!["payload"]!;
        Assert.Equal(("one_time_notif_req", "Tell me when the kettle is back", "RESTOCK:kettle"),
            (template["template_type"]!.GetValue<string>(), template["title"]!.GetValue<string>(), template["payload"]!.GetValue<string>()));
        Assert.Equal($"Sent the OTN request to PSID 24680 on Page {_otn.Page}, payload RESTOCK:kettle (message {sent.MessageId}).", run.Output.Trim());
        run.AssertShowsNoSecret();
    }

    [Fact]
    public async Task WithRecurringTheServiceSendsMetaTheRecurringTemplate()
    {
        var run = await _otn.RunAsync(["request", "--page", _otn.Page, "--psid", "24680", "--title", "Weekly kettle deals", "--payload", "DEALS:kettle",
            "--recurring", "--cta", "GET_UPDATES", "--timezone", "Europe/Paris", "--image-url", "https://shop.example/kettle.png"]);

        run.AssertSucceeded();
        var template = Assert.Single(_otn.Fake.Deliveries).Message["attachment"]!["payload"]!;
        Assert.Equal(("notification_messages", "Weekly kettle deals", "DEALS:kettle", "GET_UPDATES", "Europe/Paris", "https://shop.example/kettle.png"),
            (template["template_type"]!.GetValue<string>(), template["title"]!.GetValue<string>(), template["payload"]!.GetValue<string>(),
             template["notification_messages_cta_text"]!.GetValue<string>(), template["notification_messages_timezone"]!.GetValue<string>(),
             template["image_url"]!.GetValue<string>()));
        Assert.StartsWith($"Sent the recurring request to PSID 24680 on Page {_otn.Page}", run.Output.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARecurringRequestWithAnUnknownTimeZoneIsRefusedByTheService()
    {
        var run = await _otn.RunAsync(["request", "--page", _otn.Page, "--psid", "24680", "--title", "T", "--payload", "P", "--recurring", "--timezone", "Paris Time"]);

        run.AssertFailedInOneLine(1, "The service refused the recurring request (400 ", "IANA time zone");
        Assert.Empty(_otn.Fake.Deliveries);
    }

    [Fact]
    public async Task ATitleOverSixtyFiveCharactersIsRefusedByTheServiceBeforeMeta()
    {
        var run = await _otn.RunAsync(["request", "--page", _otn.Page, "--psid", "24680", "--title", new string('t', 66), "--payload", "P"]);

        run.AssertFailedInOneLine(1, "The service refused the OTN request (400 ", "65");
        Assert.Empty(_otn.Fake.Deliveries);
    }

    [Fact]
    public async Task TheRequestSendsTheContractsBodyWithTheKeyAndPrintsMetasMessageId()
    {
        using var stub = new StubEndpoint(HttpStatusCode.OK, """{"pageId":"1234567890","psid":"24680","messageId":"m_42"}""", "application/json");

        var run = await OtnCommandLine.RunAsync(_otn.Settings, _otn.App.Time, stub, [.. Request, "--sensitive", "Alice", "--sensitive", "4242"]);

        run.AssertSucceeded();
        Assert.Equal("Sent the OTN request to PSID 24680 on Page 1234567890, payload RESTOCK:kettle (message m_42).", run.Output.Trim());
        Assert.Equal((HttpMethod.Post, "/api/optin-requests"), (stub.Method, stub.Path));
        Assert.Equal(OneTimeNotifApplication.ApiKey, stub.ApiKey);
        var expected = new JsonObject
        {
            ["pageId"] = "1234567890",
            ["psid"] = "24680",
            ["title"] = "Tell me when the kettle is back",
            ["payload"] = "RESTOCK:kettle",
            ["sensitiveValues"] = new JsonArray("Alice", "4242"),
        };
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(stub.Body!)), stub.Body);
        run.AssertShowsNoSecret();
    }

    [Theory]
    [InlineData(HttpStatusCode.Conflict, "The user cannot be reached: the 24-hour window is closed.")]
    [InlineData(HttpStatusCode.TooManyRequests, "Meta refused: a request on this topic was sent already (613/1893016).")]
    [InlineData(HttpStatusCode.BadRequest, "title is longer than 65 characters.")]
    public async Task ARefusalIsTheServicesDetailInOneLine(HttpStatusCode status, string detail)
    {
        var problem = new JsonObject { ["title"] = "Refused", ["status"] = (int)status, ["detail"] = detail }.ToJsonString();
        using var stub = new StubEndpoint(status, problem, "application/problem+json");

        var run = await OtnCommandLine.RunAsync(_otn.Settings, _otn.App.Time, stub, Request);

        run.AssertFailedInOneLine(1, $"The service refused the OTN request ({(int)status} ", $"): {detail}");
        Assert.Empty(run.Output);
    }

    /// <summary>Answers every request one way and keeps what it was sent.</summary>
    private sealed class StubEndpoint(HttpStatusCode status, string body, string mediaType) : HttpMessageHandler
    {
        public HttpMethod? Method { get; private set; }
        public string? Path { get; private set; }
        public string? ApiKey { get; private set; }
        public string? Body { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Method = request.Method;
            Path = request.RequestUri!.AbsolutePath;
            ApiKey = request.Headers.TryGetValues("x-functions-key", out var keys) ? keys.Single() : null;
            Body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            return new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };
        }
    }
}
