using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.FakeSendApi;
using OneTimeNotif.Privacy;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Privacy;

/// <summary>
/// Meta's data-deletion callback through the standalone host on Azurite: a signed request built as Meta builds it, the
/// ID mapping through the fake's <c>ids_for_pages</c>, the erasure on the queue, the status page.
/// </summary>
public sealed class DataDeletionCallbackTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly string _page = NewId();
    private readonly string _otherServedPage = NewId();
    private readonly string _notServedPage = NewId();
    private OneTimeNotifApplication _app = null!;

    public Task InitializeAsync()
    {
        _app = new OneTimeNotifApplication(storage.Azurite, new Dictionary<string, string?> { ["Privacy:RetryDelay"] = "00:00:01" })
        {
            SendApiPages = [_page, _otherServedPage],
            // One ID per page of the answer: the mapping must follow Meta's paging.
            ConfigureSendApi = options => options.IdsForPagesPageSize = 1,
        };
        _app.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>As Meta builds it: base64url without padding of the HMAC-SHA256 of the encoded payload, a dot, the encoded payload.</summary>
    private static string MetaSignedRequest(string asid, string secret = OneTimeNotifApplication.AppSecret)
    {
        var payload = new JsonObject { ["algorithm"] = "HMAC-SHA256", ["issued_at"] = 1_764_000_000, ["user_id"] = asid }.ToJsonString();
        var encodedPayload = Base64UrlWithoutPadding(Encoding.UTF8.GetBytes(payload));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(encodedPayload));
        return $"{Base64UrlWithoutPadding(signature)}.{encodedPayload}";
    }

    private static string Base64UrlWithoutPadding(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private async Task<HttpResponseMessage> CallbackAsync(string signedRequest) =>
        await _app.CreateClient().PostAsync("/api/meta/data-deletion", new FormUrlEncodedContent([new("signed_request", signedRequest)]));

    private async Task<(string Url, string Code)> RequestDeletionAsync(string asid)
    {
        var response = await CallbackAsync(MetaSignedRequest(asid));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return (answer["url"]!.GetValue<string>(), answer["confirmation_code"]!.GetValue<string>());
    }

    private async Task<string> StatusPageAsync(string url)
    {
        var response = await _app.CreateClient().GetAsync(new Uri(url).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    private Task<string> WaitForDoneAsync(string url) =>
        Poll.UntilAsync(() => StatusPageAsync(url), page => page.Contains("Status: done", StringComparison.Ordinal), TimeSpan.FromSeconds(30), page => $"the request never finished: {page}");

    [Fact]
    public async Task AGoodSignedRequestErasesTheUserOnEveryServedPageAndItsStatusPageSaysDone()
    {
        var (asid, user, sameUserElsewhere, unserved, other) = (NewId(), NewId(), NewId(), NewId(), NewId());
        await _app.OptInAsync(_page, "RESTOCK:kettle", [user, other]);
        await _app.OptInAsync(_otherServedPage, "RESTOCK:kettle", [sameUserElsewhere]);
        await _app.OptInAsync(_notServedPage, "RESTOCK:kettle", [unserved]);
        _app.SendApi.AddPageScopedId(asid, _page, user);
        _app.SendApi.AddPageScopedId(asid, _notServedPage, unserved);
        _app.SendApi.AddPageScopedId(asid, _otherServedPage, sameUserElsewhere);

        var (url, code) = await RequestDeletionAsync(asid);

        Assert.Equal($"{_app.BaseAddress.ToString().TrimEnd('/')}/api/meta/data-deletion/{code}", url);
        var page = await WaitForDoneAsync(url);
        Assert.Contains($"Confirmation code: {code}", page, StringComparison.Ordinal);
        Assert.Contains("Erased: 2 notification request(s)", page, StringComparison.Ordinal);
        Assert.Empty(await StorageTrace.FindAsync(storage.Azurite.ConnectionString, user));
        Assert.Empty(await StorageTrace.FindAsync(storage.Azurite.ConnectionString, sameUserElsewhere));
        Assert.Empty(await StorageTrace.FindAsync(storage.Azurite.ConnectionString, asid));
        Assert.Single(await _app.GetTokensAsync(_page, "RESTOCK:kettle", other));
        Assert.Single(await _app.GetTokensAsync(_notServedPage, "RESTOCK:kettle", unserved));
        // Three pages of Meta's answer, each asked for with its cursor: the app token never travels in a URL.
        Assert.Equal(3, _app.SendApi.RequestTargets.Count(t => t.Contains("ids_for_pages", StringComparison.Ordinal)));
        Assert.DoesNotContain(_app.SendApi.RequestTargets, t => t.Contains(OneTimeNotifApplication.AppSecret, StringComparison.Ordinal) || t.Contains("access_token", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("tampered")]
    [InlineData("wrong secret")]
    [InlineData("unsigned")]
    public async Task ABadSignedRequestIsRefusedAndErasesNothing(string fault)
    {
        var (asid, user) = (NewId(), NewId());
        await _app.OptInAsync(_page, "RESTOCK:kettle", [user]);
        _app.SendApi.AddPageScopedId(asid, _page, user);
        var good = MetaSignedRequest(asid);
        var signedRequest = fault switch
        {
            "tampered" => good.Split('.')[0] + "." + Base64UrlWithoutPadding(Encoding.UTF8.GetBytes(
                new JsonObject { ["algorithm"] = "HMAC-SHA256", ["issued_at"] = 1_764_000_000, ["user_id"] = NewId() }.ToJsonString())),
            "wrong secret" => MetaSignedRequest(asid, "not-the-app-secret"),
            _ => good.Split('.')[1],
        };

        var response = await CallbackAsync(signedRequest);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await Poll.HoldsAsync(async () => (await _app.GetTokensAsync(_page, "RESTOCK:kettle", user)).Count == 1, TimeSpan.FromMilliseconds(500), () => "the refused request erased the user");
        Assert.DoesNotContain(_app.SendApi.RequestTargets, t => t.Contains("ids_for_pages", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WhenMetaRefusesTheMappingTheRequestStaysPendingAndIsDoneOnTheRetry()
    {
        var (asid, user) = (NewId(), NewId());
        await _app.OptInAsync(_page, "RESTOCK:kettle", [user]);
        _app.SendApi.AddPageScopedId(asid, _page, user);
        _app.SendApi.FailNext(FakeError.ServerError);

        var (url, code) = await RequestDeletionAsync(asid);

        await _app.WaitForLogAsync(11005, l => l.Text.Contains(code, StringComparison.Ordinal));
        Assert.Contains("Status: pending", await StatusPageAsync(url), StringComparison.Ordinal);
        Assert.Single(await _app.GetTokensAsync(_page, "RESTOCK:kettle", user));
        Assert.Contains("Erased: 1 notification request(s)", await WaitForDoneAsync(url), StringComparison.Ordinal);
        Assert.Empty(await _app.GetTokensAsync(_page, "RESTOCK:kettle", user));
    }

    [Fact]
    public async Task AnIdWithNoPageScopedIdsIsDoneWithNothingErased()
    {
        var (url, _) = await RequestDeletionAsync(NewId());

        Assert.Contains("No data about you was stored by this service.", await WaitForDoneAsync(url), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownCodeAnswersAReadableNotFoundPageWithTheCodeEncoded()
    {
        var response = await _app.CreateClient().GetAsync("/api/meta/data-deletion/%3Cscript%3E");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("&lt;script&gt;", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AQueuedMessageThatIsNotADeletionRequestGoesToThePoisonQueueWithItsReason()
    {
        var queue = _app.Services.GetRequiredService<DataDeletionQueueClient>();
        var marker = NewId();
        await queue.Queue.SendMessageAsync($$"""{"code":"not-a-code","userId":"{{marker}}"}""");

        var poisoned = await Poll.UntilAsync(
            async () => (await queue.PoisonQueue.ReceiveMessagesAsync(32)).Value.Select(m => m.Body.ToString()).FirstOrDefault(b => b.Contains(marker, StringComparison.Ordinal)),
            body => body is not null,
            describe: _ => "the message never reached otn-data-deletions-poison");

        var parked = JsonNode.Parse(poisoned!)!;
        Assert.Contains("Not a data-deletion request", parked["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(marker, parked["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
