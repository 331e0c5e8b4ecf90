using OneTimeNotif.Tests.Infrastructure;

namespace OneTimeNotif.Tests.Cli;

/// <summary>The command line itself: help, and usage mistakes said in one line with exit code 2. No service needed.</summary>
public sealed class CliUsageTests
{
    private static Task<CliRun> RunAsync(params string[] args) =>
        OtnCommandLine.RunAsync(new Dictionary<string, string?>(), TimeProvider.System, null, args);

    [Fact]
    public async Task HelpListsEveryCommand()
    {
        var run = await RunAsync("--help");

        run.AssertSucceeded();
        foreach (var command in new[] { "simulate", "followup", "request", "tokens", "purge", "demo", "--url" })
        {
            Assert.Contains(command, run.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TheStatsHelpSaysItScansTheTable()
    {
        var run = await RunAsync("tokens", "stats", "--help");

        run.AssertSucceeded();
        Assert.Contains("scans the whole tokens table", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Required command was not provided", "otn --help")]
    [InlineData("Unrecognized command or argument 'launch'", "otn --help", "launch")]
    [InlineData("--url must be an absolute http(s) URL", "otn followup status --help", "followup", "status", "job-1", "--url", "ftp://example")]
    [InlineData("Option '--text' is required", "otn followup send --help", "followup", "send", "--page", "1", "--payload", "P")]
    [InlineData("--image-url, --cta and --timezone belong to a recurring request: add --recurring", "otn request --help",
        "request", "--page", "1", "--psid", "2", "--title", "T", "--payload", "P", "--timezone", "Europe/Paris")]
    [InlineData("--cta must be one of ALLOW, GET, GET_UPDATES, OPT_IN, SIGN_UP (got 'SUBSCRIBE')", "otn request --help",
        "request", "--page", "1", "--psid", "2", "--title", "T", "--payload", "P", "--recurring", "--cta", "SUBSCRIBE")]
    public async Task AUsageMistakeIsOneLineAndExitCodeTwo(string saying, string help, params string[] args)
    {
        var run = await RunAsync(args);

        run.AssertFailedInOneLine(2, saying, $"See '{help}'");
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task AMalformedServiceUrlSettingIsNamed()
    {
        var run = await OtnCommandLine.RunAsync(new Dictionary<string, string?> { ["Otn:Url"] = "not a url" }, TimeProvider.System, null, "followup", "status", "job-1");

        run.AssertFailedInOneLine(1, "Otn__Url is not an absolute URL");
    }
}
