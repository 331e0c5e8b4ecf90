using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Cli;

/// <summary><c>otn purge --dry-run</c>: the expiry index read the way the purge reads it, on Azurite, deleting nothing.</summary>
[Collection(UsesOperatorTools.Name)]
public sealed class PurgeCommandTests(AzuriteFixture storage) : IAsyncLifetime
{
    private OtnCommandLine _otn = null!;

    public async Task InitializeAsync() => _otn = await OtnCommandLine.StartAsync(storage.Azurite);

    public async Task DisposeAsync() => await _otn.DisposeAsync();

    [Fact]
    public async Task ADryRunCountsTheExpiredTokensPerPayloadAndDeletesNothing()
    {
        var now = _otn.App.Time.GetUtcNow();
        // Expired on an earlier day, expired earlier today, expiring later today, live.
        await _otn.App.OptInAsync(_otn.Page, "RESTOCK:kettle", [NewId()], now.AddYears(-1).AddDays(-3));
        await _otn.App.OptInAsync(_otn.Page, "RESTOCK:kettle", [NewId()], now.AddYears(-1).AddMinutes(-1));
        await _otn.App.OptInAsync(_otn.Page, "RESTOCK:kettle", [NewId()], now.AddYears(-1).AddMinutes(1));
        await _otn.App.OptInAsync(_otn.Page, "RESTOCK:kettle", [NewId()], now.AddDays(-3));
        await _otn.App.OptInAsync(_otn.Page, "OLD-TOPIC", [NewId()], now.AddYears(-2));
        var before = await _otn.App.GetTokensAsync(_otn.Page, "RESTOCK:kettle");

        var run = await _otn.RunAsync("purge", "--dry-run", "--page", _otn.Page);

        run.AssertSucceeded();
        Assert.Contains($"Dry run: a purge at {now:u} would delete 3 expired tokens (Page {_otn.Page}); nothing was deleted.", run.Output, StringComparison.Ordinal);
        Assert.Equal([_otn.Page, "RESTOCK:kettle", "2", "2"], run.TableRow("RESTOCK:kettle"));
        Assert.Equal([_otn.Page, "OLD-TOPIC", "1", "1"], run.TableRow("OLD-TOPIC"));
        Assert.Equal(before, await _otn.App.GetTokensAsync(_otn.Page, "RESTOCK:kettle"));
        run.AssertShowsNoSecret(before.Select(t => t.Token));
    }

    [Fact]
    public async Task ADryRunCountsRecurringTokensPastARealExpiryAndThoseStoppedPastTheRetention()
    {
        var now = _otn.App.Time.GetUtcNow();
        string expiring = NewId(), stopping = NewId(), resumed = NewId();
        var body = Envelope(Entry(_otn.Page,
            RecurringOptIn(_otn.Page, expiring, "DEALS", NewRecurringToken(), now.AddDays(-30), expiryMs: now.AddDays(-1).ToUnixTimeMilliseconds()),
            RecurringOptIn(_otn.Page, NewId(), "DEALS", NewRecurringToken(), now.AddDays(-30))));
        (await _otn.App.PostWebhookAsync(body)).EnsureSuccessStatusCode();
        var tokens = await _otn.App.RecurringOptInAsync(_otn.Page, "DEALS", [stopping, resumed], now.AddDays(-500));
        await _otn.App.RecurringStatusAsync(_otn.Page, stopping, "DEALS", tokens[stopping], "STOP_NOTIFICATIONS", now.AddDays(-400));
        await _otn.App.RecurringStatusAsync(_otn.Page, resumed, "DEALS", tokens[resumed], "STOP_NOTIFICATIONS", now.AddDays(-400));
        await _otn.App.RecurringStatusAsync(_otn.Page, resumed, "DEALS", tokens[resumed], "RESUME_NOTIFICATIONS", now.AddDays(-2));

        var run = await _otn.RunAsync("purge", "--dry-run", "--page", _otn.Page, "--payload", "DEALS");

        run.AssertSucceeded();
        Assert.Contains("would delete 1 expired token ", run.Output, StringComparison.Ordinal);
        Assert.Equal([_otn.Page, "DEALS", "1", "1"], run.TableRow("DEALS"));
        Assert.Contains($"It would also delete 1 recurring token(s) their users stopped before {now.AddDays(-365):u}", run.Output, StringComparison.Ordinal);
        Assert.Equal(4, (await _otn.App.GetTokensAsync(_otn.Page, "DEALS")).Count);
    }

    [Fact]
    public async Task AtALaterTimeTheDryRunAlsoCountsTokensSpentSinceAndNarrowsToAPayload()
    {
        var now = _otn.App.Time.GetUtcNow();
        var served = NewId();
        await _otn.App.OptInAsync(_otn.Page, "LATER", [served, NewId()], now.AddDays(-300));
        var jobId = Jobs.NewJobId();
        await _otn.App.SubmitFollowUpAsync(Jobs.Json(jobId, _otn.Page, "LATER", psid: served));
        Assert.Equal(1, (await _otn.App.WaitForJobAsync(jobId)).Sent);
        await _otn.App.OptInAsync(_otn.Page, "ELSEWHERE", [NewId()], now.AddDays(-300));

        var run = await _otn.RunAsync("purge", "--dry-run", "--page", _otn.Page, "--payload", "LATER", "--at", now.AddDays(70).ToString("O"));

        run.AssertSucceeded();
        Assert.Contains("would delete 2 expired tokens", run.Output, StringComparison.Ordinal);
        Assert.Equal([_otn.Page, "LATER", "2", "1"], run.TableRow("LATER"));
        Assert.Null(run.TableRow("ELSEWHERE"));
    }

    [Fact]
    public async Task AnIndexRowWhoseTokenIsGoneIsCountedWithoutAFilter()
    {
        var now = _otn.App.Time.GetUtcNow();
        var psid = NewId();
        var tokens = await _otn.App.OptInAsync(_otn.Page, "GONE", [psid], now.AddYears(-1).AddDays(-1));
        var tables = _otn.App.Services.GetRequiredService<StorageTables>();
        // Other classes share this storage: count what is there already, then lose one token.
        var before = GoneRows(await _otn.RunAsync("purge", "--dry-run"));
        await tables.Tokens.DeleteEntityAsync(TokenKeys.Partition(_otn.Page, "GONE"), TokenKeys.Row(psid, tokens[psid]));

        var run = await _otn.RunAsync("purge", "--dry-run");

        run.AssertSucceeded();
        Assert.Contains("(every Page); nothing was deleted.", run.Output, StringComparison.Ordinal);
        Assert.Equal(before + 1, GoneRows(run));
    }

    private static int GoneRows(CliRun run)
    {
        var match = System.Text.RegularExpressions.Regex.Match(run.Output, @"It would also remove (\d+) index row\(s\) whose token is already gone\.");
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    [Fact]
    public async Task PurgeWithoutDryRunIsRefusedAsUsage()
    {
        var run = await _otn.RunAsync("purge");

        run.AssertFailedInOneLine(2, "add --dry-run");
    }
}
