using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Cli;

/// <summary><c>otn user erase</c> against the standalone host.</summary>
[Collection(UsesOperatorTools.Name)]
public sealed class UserEraseCommandTests(AzuriteFixture storage) : IAsyncLifetime
{
    private OtnCommandLine _otn = null!;

    public async Task InitializeAsync() => _otn = await OtnCommandLine.StartAsync(storage.Azurite);

    public async Task DisposeAsync() => await _otn.DisposeAsync();

    [Fact]
    public async Task EraseDeletesTheUsersTokensAndPrintsTheCounts()
    {
        var (user, other) = (NewId(), NewId());
        var tokens = await _otn.App.OptInAsync(_otn.Page, "RESTOCK:kettle", [user, other]);
        await _otn.App.OptInAsync(_otn.Page, "RESTOCK:teapot", [user]);

        var run = await _otn.RunAsync("user", "erase", "--page", _otn.Page, "--psid", user);

        run.AssertSucceeded();
        Assert.Equal($"Erased the user on Page {_otn.Page}: 2 token(s), 0 delivery record(s), 0 job(s).", run.Output.Trim());
        Assert.Empty(await _otn.App.GetTokensAsync(_otn.Page, "RESTOCK:kettle", user));
        Assert.Single(await _otn.App.GetTokensAsync(_otn.Page, "RESTOCK:kettle", other));
        run.AssertShowsNoSecret(tokens.Values);
    }

    [Fact]
    public async Task EraseWithAWrongKeyFailsInOneLine()
    {
        var run = await _otn.RunAsync(s => s["Api:Key"] = "not-the-key-of-this-service", "user", "erase", "--page", _otn.Page, "--psid", NewId());

        run.AssertFailedInOneLine(1, "refused the erasure (401", "Api__Key");
    }
}
