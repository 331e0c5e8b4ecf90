using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Functions;

/// <summary>The purge on the Functions app's timer (<c>%PurgeSchedule%</c>, every two seconds in these tests).</summary>
[Collection(UsesFunctionsApp.Name)]
public sealed partial class FunctionsPurgeTimerTests(FunctionsAppFixture app)
{
    [System.Text.RegularExpressions.GeneratedRegex(@"^\[worker Information\] OneTimeNotif\.Purge\.\w+: Purge finished: [1-9]")]
    private static partial System.Text.RegularExpressions.Regex PurgeDeletedTokens();

    [Fact]
    public async Task ThePurgeTimerDeletesExpiredTokensAndLeavesLiveOnes()
    {
        string page = NewId(), payload = $"P:{NewId()}";
        await app.OptInAsync(page, payload, [NewId(), NewId()], at: DateTimeOffset.UtcNow.AddYears(-1).AddDays(-2));
        var live = await app.OptInAsync(page, payload, [NewId()]);

        var left = await Poll.UntilAsync(
            async () => (await app.GetTokensAsync(page, payload)).Select(t => t.Token).ToList(),
            tokens => tokens.Count <= 1,
            TimeSpan.FromSeconds(30),
            tokens => $"{tokens.Count} tokens left");

        Assert.Equal(live.Values, left);
        using var logged = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        // The app's own purge log, through the worker: the timer invoked the Functions app's purge function.
        await app.Host.WaitForOutputAsync(line => PurgeDeletedTokens().IsMatch(line), logged.Token);
    }
}
