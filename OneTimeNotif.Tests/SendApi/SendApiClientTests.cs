using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;
using OneTimeNotif.FakeSendApi;
using OneTimeNotif.SendApi;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.SendApi;

public sealed class SendApiClientTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private readonly string _page = NewId();
    private static JsonObject Text => new() { ["text"] = "hello" };

    [Fact]
    public async Task ATokenSendSucceedsOnceWithTheTokensInTheBodyAndHeaderNeverInTheUrl()
    {
        await using var app = new OneTimeNotifApplication(storage.Azurite) { SendApiPages = [_page] };
        var client = app.Services.GetRequiredService<SendApiClient>();
        var token = NewToken();

        var first = await client.SendWithTokenAsync(_page, token, Text);
        var second = await client.SendWithTokenAsync(_page, token, Text);

        Assert.Equal(SendStatus.Sent, first.Status);
        Assert.StartsWith("m_", first.MessageId, StringComparison.Ordinal);
        Assert.Equal(SendStatus.TokenRejected, second.Status);
        Assert.Equal(token, Assert.Single(app.SendApi.Deliveries).Token);
        Assert.All(app.SendApi.RequestTargets, target =>
        {
            Assert.Equal($"/v23.0/{_page}/messages", target);
            Assert.DoesNotContain(token, target, StringComparison.Ordinal);
            Assert.DoesNotContain(OneTimeNotifApplication.PageAccessToken, target, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task AThrottledTokenSendGoesAgainAfterThePagesPauseWithTheSameToken()
    {
        await using var app = new OneTimeNotifApplication(storage.Azurite) { SendApiPages = [_page] };
        var token = NewToken();
        app.SendApi.FailNext(FakeError.Throttled);

        var result = await app.Services.GetRequiredService<SendApiClient>().SendWithTokenAsync(_page, token, Text);

        Assert.Equal(SendStatus.Sent, result.Status);
        Assert.Equal(2, app.SendApi.Calls);
        Assert.Equal(token, Assert.Single(app.SendApi.Deliveries).Token);
    }

    [Fact]
    public async Task AThrottleThatOutlastsTheRetriesIsReportedForTheFollowUpToBackOff()
    {
        await using var app = new OneTimeNotifApplication(storage.Azurite) { SendApiPages = [_page] };
        app.SendApi.FailNext(FakeError.Throttled, FakeError.Throttled, FakeError.Throttled);

        var result = await app.Services.GetRequiredService<SendApiClient>().SendWithTokenAsync(_page, NewToken(), Text);

        Assert.Equal(SendStatus.Throttled, result.Status);
        Assert.Equal(3, app.SendApi.Calls);
        Assert.Empty(app.SendApi.Deliveries);
    }

    [Fact]
    public async Task AWrongAppSecretIsAConfigurationFaultNotARejectedToken()
    {
        var settings = new Dictionary<string, string?>();
        settings["Messenger:AppSecret"] = "a-different-app-secret";
        await using var app = new OneTimeNotifApplication(storage.Azurite, settings) { SendApiPages = [_page] };

        var result = await app.Services.GetRequiredService<SendApiClient>().SendWithTokenAsync(_page, NewToken(), Text);

        Assert.Equal(SendStatus.ConfigurationFault, result.Status);
        Assert.Contains("Messenger__AppSecret", result.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("a-different-app-secret", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APageWithoutAConfiguredTokenIsAConfigurationFaultWithoutCallingMeta()
    {
        await using var app = new OneTimeNotifApplication(storage.Azurite) { SendApiPages = [_page] };

        var result = await app.Services.GetRequiredService<SendApiClient>().SendWithTokenAsync("4242", NewToken(), Text);

        Assert.Equal(SendStatus.ConfigurationFault, result.Status);
        Assert.Contains("Messenger__Pages__4242__AccessToken", result.Reason, StringComparison.Ordinal);
        Assert.Equal(0, app.SendApi.Calls);
    }

    [Fact]
    public async Task AnUnreachableSendApiIsTransient()
    {
        var settings = new Dictionary<string, string?>();
        settings["Messenger:GraphBaseUrl"] = $"http://127.0.0.1:{Azurite.FreePort()}/";
        await using var app = new OneTimeNotifApplication(storage.Azurite, settings) { SendApiPages = [_page] };

        var result = await app.Services.GetRequiredService<SendApiClient>().SendWithTokenAsync(_page, NewToken(), Text);

        Assert.Equal(SendStatus.Transient, result.Status);
    }

    [Fact]
    public async Task CallsToOnePageArePacedToTheConfiguredRate()
    {
        var settings = new Dictionary<string, string?>();
        settings["SendApi:MessagesPerSecondPerPage"] = "50";
        await using var app = new OneTimeNotifApplication(storage.Azurite, settings) { SendApiPages = [_page] };
        var client = app.Services.GetRequiredService<SendApiClient>();
        await client.SendWithTokenAsync(_page, NewToken(), Text);

        var started = DateTime.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => client.SendWithTokenAsync(_page, NewToken(), Text)));

        // 60 calls at 50/s cannot finish in much under 1.2 s, however many run at once.
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(1), $"took {DateTime.UtcNow - started}");
        Assert.Equal(61, app.SendApi.Deliveries.Count);
    }

    [Fact]
    public async Task ABlockMetaNamesPausesThePageAndTheCallerIsToldWhenToComeBack()
    {
        await using var app = new OneTimeNotifApplication(storage.Azurite) { SendApiPages = [_page] };
        var client = app.Services.GetRequiredService<SendApiClient>();
        await client.SendWithTokenAsync(_page, NewToken(), Text);
        app.SendApi.BlockPage(_page, TimeSpan.FromSeconds(10));

        var result = await client.SendWithTokenAsync(_page, NewToken(), Text);
        var again = await client.SendWithTokenAsync(_page, NewToken(), Text);

        Assert.Equal(SendStatus.Throttled, result.Status);
        Assert.InRange(result.RetryAfter!.Value, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));
        Assert.Equal(SendStatus.Throttled, again.Status);
        Assert.Equal(2, app.SendApi.Calls);
    }

    [Fact]
    public async Task TheDefaultRateIsFortyAPageKeepingItsInboxAndAPageMayBeConfiguredFaster()
    {
        var fast = NewId();
        var settings = new Dictionary<string, string?> { [$"Messenger:Pages:{fast}:MessagesPerSecond"] = "200" };
        await using var app = new OneTimeNotifApplication(storage.Azurite, settings) { SendApiPages = [_page, fast] };
        var budget = app.Services.GetRequiredService<SendBudget>();

        Assert.Equal(40, budget.ConfiguredRate(_page));
        Assert.Equal(200, budget.ConfiguredRate(fast));
    }

    [Fact]
    public async Task AColdProcessSendsItsFirstCallAloneSoTheCallsGrantedMeanwhileDoNotLeaveTogether()
    {
        const int rate = 40;
        await using var app = new OneTimeNotifApplication(storage.Azurite) { SendApiPages = [_page] };
        var services = app.Services;
        // As in a fresh process, no call leaves before the first has been slow to (code compiled, a connection opened).
        using var http = new HttpClient(new ColdStart(TimeSpan.FromMilliseconds(500)));
        var client = new SendApiClient(http, services.GetRequiredService<IOptionsMonitor<MessengerOptions>>(), services.GetRequiredService<SendBudget>(),
            new SendApiWarmUp(), NullLogger<SendApiClient>.Instance);
        var clock = Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, 15).Select(async _ =>
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(2.5))
            {
                await client.SendWithTokenAsync(_page, NewToken(), Text);
            }
        }));

        var arrivals = app.SendApi.CallLog.Select(c => c.At).Order().ToList();
        var busiest = arrivals.Max(start => arrivals.Count(at => at >= start && at < start + TimeSpan.FromSeconds(1)));
        Assert.True(busiest <= rate * 1.05, $"{busiest} calls arrived within one second at {rate}/s");
        Assert.True(arrivals.Count >= rate, $"{arrivals.Count} calls in 2.5 s at {rate}/s");
    }

    [Fact]
    public async Task ACallThatCannotLeaveOnTimeIsToldToComeBackInsteadOfTakingSlotAfterSlot()
    {
        await using var app = new OneTimeNotifApplication(storage.Azurite) { SendApiPages = [_page] };
        var client = app.Services.GetRequiredService<SendApiClient>();
        // Asked right before each call leaves, and slower every time than a call may be late.
        Func<CancellationToken, ValueTask<bool>> slowCheck = async ct =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(60), ct);
            return true;
        };

        var result = await client.SendWithTokenAsync(_page, NewToken(), Text, slowCheck).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(SendStatus.Throttled, result.Status);
        Assert.Equal(TimeSpan.FromSeconds(1), result.RetryAfter);
        Assert.Equal(0, app.SendApi.Calls);
    }

    /// <summary>Holds every request until the first has waited <paramref name="stall"/>: how a fresh process's first calls leave.</summary>
    private sealed class ColdStart(TimeSpan stall) : DelegatingHandler(new SocketsHttpHandler())
    {
        private Task? _warm;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await LazyInitializer.EnsureInitialized(ref _warm, () => Task.Delay(stall, CancellationToken.None)).WaitAsync(cancellationToken);
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
