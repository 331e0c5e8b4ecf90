using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Cli;

/// <summary><c>otn simulate optin</c> against the standalone host on Azurite: signed like Meta, stored by the webhook.</summary>
[Collection(UsesOperatorTools.Name)]
public sealed class SimulateOptInCommandTests(AzuriteFixture storage) : IAsyncLifetime
{
    private OtnCommandLine _otn = null!;

    public async Task InitializeAsync() => _otn = await OtnCommandLine.StartAsync(storage.Azurite);

    public async Task DisposeAsync() => await _otn.DisposeAsync();

    [Fact]
    public async Task AnOptInIsSignedWithTheAppSecretAndStoredByTheWebhook()
    {
        var psid = NewId();
        // Non-ASCII travels escaped, as Meta sends it; the signature covers exactly those bytes.
        const string payload = "RESTOCK:théière ☕";

        var run = await _otn.RunAsync("simulate", "optin", "--page", _otn.Page, "--psid", psid, "--payload", payload);

        run.AssertSucceeded();
        Assert.Contains($"Posted 1 signed opt-in for Page {_otn.Page}, payload {payload} (PSID {psid})", run.Output, StringComparison.Ordinal);
        Assert.Contains("it answered 200 OK EVENT_RECEIVED", run.Output, StringComparison.Ordinal);
        var token = Assert.Single(await _otn.App.GetTokensAsync(_otn.Page, payload));
        Assert.Equal((psid, _otn.App.Time.GetUtcNow()), (token.Psid, token.OptedInAt));
        run.AssertShowsNoSecret(token.Token);
    }

    [Fact]
    public async Task ACountSimulatesConsecutiveUsersInSeveralSignedPostsWithProgress()
    {
        var first = long.Parse(NewId(), System.Globalization.CultureInfo.InvariantCulture);
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        var run = await _otn.RunAsync("simulate", "optin", "--page", _otn.Page, "--psid", $"{first}", "--payload", "FANOUT",
            "--count", "5", "--per-request", "2", "--at", "2026-01-02T03:04:05Z");

        run.AssertSucceeded();
        // Output that is not a terminal gets a line per step of progress, the last one included.
        Assert.Contains("Posting 5 opt-ins in 3 signed requests: 0%\nPosting 5 opt-ins in 3 signed requests: 40%\nPosting 5 opt-ins in 3 signed requests: 80%\nPosting 5 opt-ins in 3 signed requests: 100%\n",
            run.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains($"(PSIDs {first} to {first + 4})", run.Output, StringComparison.Ordinal);
        var tokens = await _otn.App.GetTokensAsync(_otn.Page, "FANOUT");
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"{first + i}"), tokens.Select(t => t.Psid).Order());
        Assert.Equal(5, tokens.Select(t => t.Token).Distinct().Count());
        Assert.All(tokens, t => Assert.Equal(at, t.OptedInAt));
    }

    [Fact]
    public async Task OnATerminalTheSimulationDrawsAProgressBar()
    {
        var run = await _otn.RunOnTerminalAsync("simulate", "optin", "--page", _otn.Page, "--psid", NewId(), "--payload", "BAR", "--count", "4", "--per-request", "1");

        run.AssertSucceeded();
        Assert.Contains("Posting 4 opt-ins in 4 signed requests", run.Output, StringComparison.Ordinal);
        Assert.Contains("100%", run.Output, StringComparison.Ordinal);
        Assert.Contains("\u001b[", run.Output, StringComparison.Ordinal);
        Assert.Equal(4, (await _otn.App.GetTokensAsync(_otn.Page, "BAR")).Count);
    }

    [Fact]
    public async Task ReplayingATokenAsMetaRetriesStoresNothingNew()
    {
        var psid = NewId();
        string[] args = ["simulate", "optin", "--page", _otn.Page, "--psid", psid, "--payload", "REPLAY", "--token", "sim-replayed-token-1"];

        (await _otn.RunAsync(args)).AssertSucceeded();
        var replay = await _otn.RunAsync(args);

        replay.AssertSucceeded();
        Assert.Equal("sim-replayed-token-1", Assert.Single(await _otn.App.GetTokensAsync(_otn.Page, "REPLAY")).Token);
        replay.AssertShowsNoSecret("sim-replayed-token-1");
    }

    [Fact]
    public async Task AWrongAppSecretIsRefusedByTheWebhookAndSaidInOneLine()
    {
        var run = await _otn.RunAsync(s => s["Messenger:AppSecret"] = "not-the-app-secret",
            "simulate", "optin", "--page", _otn.Page, "--psid", NewId(), "--payload", "WRONG-SECRET");

        var line = run.AssertFailedInOneLine(1, "401", "X-Hub-Signature-256", "Messenger__AppSecret");
        Assert.DoesNotContain("not-the-app-secret", line, StringComparison.Ordinal);
        Assert.Empty(await _otn.App.GetTokensAsync(_otn.Page, "WRONG-SECRET"));
    }

    [Fact]
    public async Task AMissingAppSecretNamesTheKey()
    {
        var run = await _otn.RunAsync(s => s.Remove("Messenger:AppSecret"),
            "simulate", "optin", "--page", _otn.Page, "--psid", NewId(), "--payload", "P");

        run.AssertFailedInOneLine(1, "Messenger__AppSecret is not set");
    }

    [Fact]
    public async Task AnUnreachableServiceIsSaidInOneLine()
    {
        var url = $"http://127.0.0.1:{Azurite.FreePort()}/";

        var run = await _otn.RunAsync("simulate", "optin", "--page", _otn.Page, "--psid", NewId(), "--payload", "P", "--url", url);

        run.AssertFailedInOneLine(1, $"Cannot reach the service at {url}");
    }

    [Theory]
    [InlineData("--psid must be a Meta ID", "--psid", "24x")]
    [InlineData("--token names one token", "--psid", "24680", "--count", "2", "--token", "t")]
    [InlineData("--count must be between 1 and 1000000", "--psid", "24680", "--count", "0")]
    [InlineData("Option '--psid' is required", "--count", "2")]
    public async Task AMalformedCommandLineIsAUsageErrorInOneLine(string saying, params string[] options)
    {
        var run = await _otn.RunAsync(["simulate", "optin", "--page", _otn.Page, "--payload", "P", .. options]);

        run.AssertFailedInOneLine(2, saying, "See 'otn simulate optin --help'");
    }
}
