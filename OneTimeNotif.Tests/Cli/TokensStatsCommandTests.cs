using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Cli;

/// <summary><c>otn tokens stats</c>: live tokens per Page and payload, read from the tokens table on Azurite.</summary>
[Collection(UsesOperatorTools.Name)]
public sealed class TokensStatsCommandTests(AzuriteFixture storage) : IAsyncLifetime
{
    private OtnCommandLine _otn = null!;

    public async Task InitializeAsync() => _otn = await OtnCommandLine.StartAsync(storage.Azurite);

    public async Task DisposeAsync() => await _otn.DisposeAsync();

    [Fact]
    public async Task StatsCountLiveTokensAndUsersPerPayloadAndThoseExpiringWithin30Days()
    {
        var now = _otn.App.Time.GetUtcNow();
        string twoTokens = NewId(), one = NewId(), expiringSoon = NewId(), expired = NewId(), served = NewId();
        await _otn.App.OptInAsync(_otn.Page, "RESTOCK:kettle", [twoTokens, one], now.AddDays(-1));
        await _otn.App.OptInAsync(_otn.Page, "RESTOCK:kettle", [twoTokens], now.AddDays(-2));
        await _otn.App.OptInAsync(_otn.Page, "RESTOCK:kettle", [expiringSoon], now.AddDays(-340));
        await _otn.App.OptInAsync(_otn.Page, "RESTOCK:kettle", [expired], now.AddDays(-400));
        // A topic whose only token was spent by a follow-up has no live token left, and so no row.
        await _otn.App.OptInAsync(_otn.Page, "SPENT", [served]);
        var jobId = Jobs.NewJobId();
        await _otn.App.SubmitFollowUpAsync(Jobs.Json(jobId, _otn.Page, "SPENT"));
        Assert.Equal(1, (await _otn.App.WaitForJobAsync(jobId)).Sent);
        var otherPage = NewId();
        await _otn.App.OptInAsync(otherPage, "RESTOCK:kettle", [NewId()]);

        var run = await _otn.RunAsync("tokens", "stats", "--page", _otn.Page);

        run.AssertSucceeded();
        Assert.Contains($"Live tokens (unspent, unexpired) on Page {_otn.Page} at {now:u}; 6 token rows scanned.", run.Output, StringComparison.Ordinal);
        Assert.Equal([_otn.Page, "RESTOCK:kettle", "otn", "4", "3", "1", "0", "0"], run.TableRow("RESTOCK:kettle"));
        Assert.Null(run.TableRow("SPENT"));
        Assert.DoesNotContain(otherPage, run.Output, StringComparison.Ordinal);
        Assert.Contains("Expire within 30 days", run.Output, StringComparison.Ordinal);

        var everyPage = await _otn.RunAsync("tokens", "stats");

        everyPage.AssertSucceeded();
        Assert.Contains($"│ {otherPage} │ RESTOCK:kettle │", everyPage.Output, StringComparison.Ordinal);
        Assert.Contains($"│ {_otn.Page} │ RESTOCK:kettle │", everyPage.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecurringTokensAreCountedApartWithThoseTheirUsersStopped()
    {
        var now = _otn.App.Time.GetUtcNow();
        string both = NewId(), stopping = NewId(), other = NewId();
        await _otn.App.OptInAsync(_otn.Page, "DEALS", [both]);
        var recurring = await _otn.App.RecurringOptInAsync(_otn.Page, "DEALS", [both, stopping, other], now.AddDays(-3));
        await _otn.App.RecurringStatusAsync(_otn.Page, stopping, "DEALS", recurring[stopping], "STOP_NOTIFICATIONS", now.AddDays(-1));

        var run = await _otn.RunAsync("tokens", "stats", "--page", _otn.Page);

        run.AssertSucceeded();
        Assert.Equal(
            [[_otn.Page, "DEALS", "otn", "1", "1", "0", "0", "0"], [_otn.Page, "DEALS", "recurring", "2", "2", "0", "0", "1"]],
            run.TableRows("DEALS"));
        Assert.Contains("stopped = the user stopped them", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APageWithoutLiveTokensSaysSo()
    {
        var run = await _otn.RunAsync("tokens", "stats", "--page", NewId());

        run.AssertSucceeded();
        Assert.EndsWith("0 token rows scanned.\nNo live tokens.", run.Output.Trim().ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingStorageSettingsAreNamedInOneLine()
    {
        var run = await _otn.RunAsync(s => s.Remove("OtnStorage"), "tokens", "stats");

        run.AssertFailedInOneLine(1, "OtnStorage is not set");
    }

    [Fact]
    public async Task AMalformedConnectionStringIsSaidWithoutRepeatingIt()
    {
        // An account key pasted on its own: the SDK's own error would quote it.
        const string key = "c2VjcmV0LWFjY291bnQta2V5LXZhbHVl==";

        var run = await _otn.RunAsync(s => s["OtnStorage"] = key, "tokens", "stats");

        var line = run.AssertFailedInOneLine(1, "OtnStorage is not a valid storage connection string");
        Assert.DoesNotContain("c2VjcmV0", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableStorageIsSaidInOneLine()
    {
        var run = await _otn.RunAsync(s => s["OtnStorage"] = Azurite.ConnectionStringFor(Azurite.FreePort(), Azurite.FreePort(), Azurite.FreePort()), "tokens", "stats");

        var line = run.AssertFailedInOneLine(1, "Storage could not be read", "Check OtnStorage");
        Assert.DoesNotContain(Azurite.AccountKey, line, StringComparison.Ordinal);
    }
}
