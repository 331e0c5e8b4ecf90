using OneTimeNotif.Tests.Infrastructure;

namespace OneTimeNotif.Tests.Cli;

/// <summary>
/// <c>otn demo</c>, the README's guided demo, end to end against the standalone host, Azurite and the fake Send API,
/// with the settings a local run exports.
/// </summary>
[Collection(UsesOperatorTools.Name)]
public sealed class DemoCommandTests(AzuriteFixture storage) : IAsyncLifetime
{
    private static readonly string[] StepTitles =
        ["the OTN request", "the opt-in", "a follow-up delivered", "the token refused on a second use", "the purge"];

    private OtnCommandLine _otn = null!;

    public async Task InitializeAsync() => _otn = await OtnCommandLine.StartAsync(storage.Azurite);

    public async Task DisposeAsync() => await _otn.DisposeAsync();

    [Fact]
    public async Task TheDemoPlaysTheWholeStoryAndEveryStepHappens()
    {
        var run = await _otn.RunAsync("demo");

        run.AssertSucceeded();
        var output = run.Output;
        Assert.Contains($"against {_otn.App.BaseAddress}, Page {_otn.Page}", output, StringComparison.Ordinal);
        var steps = StepTitles.Select((title, i) => output.IndexOf($"── Step {i + 1} of 5: {title}", StringComparison.Ordinal)).ToList();
        Assert.All(steps, position => Assert.True(position >= 0, output));
        Assert.Equal(steps.Order(), steps);

        // The first user was asked with the OTN request template, before anyone opted in.
        var request = _otn.Fake.Deliveries.First();
        Assert.Equal("one_time_notif_req", request.Message["attachment"]!["payload"]!["template_type"]!.GetValue<string>());
        Assert.Contains($"Sent the OTN request to PSID {request.Psid} on Page {_otn.Page}", output, StringComparison.Ordinal);
        // Two users opted in and were told once; the second follow-up told nobody; their tokens are spent.
        Assert.Matches(@"completed; sent 2, token rejected 0, user unavailable 0, failed 0, unknown 0, pending 0\.", output);
        Assert.Matches(@"completed; sent 0, token rejected 0, user unavailable 0, failed 0, unknown 0, pending 0\.", output);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(output, @"User \d+'s token: spent at "));
        var followUps = _otn.Fake.Deliveries.Where(d => d.Token is not null).ToList();
        Assert.Equal((3, 2), (_otn.Fake.Deliveries.Count, followUps.Count));
        Assert.All(followUps, d => Assert.Equal("The demo kettle is back in stock!", d.Message["text"]!.GetValue<string>()));
        // The expired token is what the purge would delete, and the output says the demo only previewed it.
        Assert.Matches(@"Dry run: a purge at .* would delete 1 expired token \(Page \d+, payload DEMO:kettle-[^)]+\); nothing was deleted\.", output);
        Assert.Contains("the demo calls no purge", output, StringComparison.Ordinal);
        run.AssertShowsNoSecret(followUps.Select(d => d.Token!));
    }

    [Fact]
    public async Task TheDemoStopsInOneLineAtTheFirstStepTheServiceCannotDo()
    {
        // Hosts on one storage account share the queue: only the host with the revoked token may take the job.
        await _otn.DisposeAsync();
        _otn = await OtnCommandLine.StartAsync(storage.Azurite, (page, host) => host[$"Messenger:Pages:{page}:AccessToken"] = "EAAGrevoked-token-for-demo");

        var run = await _otn.RunAsync("demo", "--timeout", "30");

        // The revoked Page token already fails the OTN request: Meta's 190, and the setting to fix.
        run.AssertFailedInOneLine(1, "190", $"Messenger__Pages__{_otn.Page}__AccessToken");
        Assert.DoesNotContain("Step 2 of 5", run.Output, StringComparison.Ordinal);
        Assert.Empty(_otn.Fake.Deliveries);
    }

    [Fact]
    public async Task WithSeveralPagesConfiguredTheDemoAsksForOne()
    {
        // Page "1" sorts before any other ID: the list is in ordinal order.
        var run = await _otn.RunAsync(s => s["Messenger:Pages:1:AccessToken"] = "another-page-token", "demo");

        run.AssertFailedInOneLine(1, "Pass --page", $"(1, {_otn.Page})");
    }
}
