using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.Host.Scheduling;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Purge;

/// <summary>
/// The standalone host's purge timer: on the fake clock, through the real scheduler on a one-second schedule, and
/// with the blob lease between instances. Each test has its own Azurite, so the lock blob starts fresh.
/// </summary>
[Collection(OnePurgeTestAtATime.Name)]
public sealed class PurgeSchedulerTests : IAsyncLifetime
{
    /// <summary>Once a day at 03:00 UTC: occurrences far apart on the fake clock.</summary>
    private const string Daily = "0 0 3 * * *";

    private const int Scheduled = 9001, Running = 9002, Ran = 9003, SkippedLeaseHeld = 9004, SkippedAlreadyRun = 9005;

    private readonly string _page = NewId();
    private readonly List<OneTimeNotifApplication> _apps = [];
    private Azurite _azurite = null!;

    public async Task InitializeAsync() => _azurite = await Azurite.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
        await _azurite.DisposeAsync();
    }

    private async Task<OneTimeNotifApplication> StartAsync(string schedule = Daily, bool systemClock = false)
    {
        var settings = new Dictionary<string, string?> { ["PurgeSchedule"] = schedule };
        var app = new OneTimeNotifApplication(_azurite, settings) { UsesSystemClock = systemClock };
        _apps.Add(app);
        app.StartServer();
        await app.WaitForLogAsync(Scheduled);
        return app;
    }

    /// <summary>One expired and one live token; returns the expired one's.</summary>
    private async Task<(string Expired, string Live)> OptInAsync(OneTimeNotifApplication app, DateTimeOffset now)
    {
        var expired = await app.OptInAsync(_page, "P", [NewId()], now.AddYears(-1).AddDays(-1));
        var live = await app.OptInAsync(_page, "P", [NewId()], now.AddDays(-1));
        return (expired.Values.Single(), live.Values.Single());
    }

    private static async Task<List<string>> TokensAsync(OneTimeNotifApplication app, string page) =>
        [.. (await app.GetTokensAsync(page, "P")).Select(t => t.Token)];

    private static int Count(OneTimeNotifApplication app, int eventId) => app.Logs.Entries.Count(l => l.EventId.Id == eventId);

    [Fact]
    public async Task OnTheFakeClockThePurgeRunsAtTheScheduledTimeAndNotBefore()
    {
        var app = await StartAsync();
        var (expired, live) = await OptInAsync(app, app.Time.GetUtcNow());

        // Every day at 03:00 UTC; the clock stands at 2026-11-23 09:30.
        app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 24, 2, 59, 59, TimeSpan.Zero));
        await Poll.HoldsAsync(() => Count(app, Running) == 0, TimeSpan.FromMilliseconds(300), Describe);
        Assert.Contains(expired, await TokensAsync(app, _page));

        app.Time.Advance(TimeSpan.FromSeconds(1));
        var ran = await app.WaitForLogAsync(Ran);

        Assert.Contains("11/24/2026 03:00:00 +00:00", ran.Text, StringComparison.Ordinal);
        Assert.Equal([live], await TokensAsync(app, _page));
    }

    [Fact]
    public async Task AnOccurrenceIsSkippedWhileAnotherInstanceHoldsTheLeaseAndTheNextOneRuns()
    {
        var app = await StartAsync();
        var (expired, live) = await OptInAsync(app, app.Time.GetUtcNow());
        var other = await app.Services.GetRequiredService<PurgeLock>().TryAcquireAsync(default);
        Assert.NotNull(other);

        await using (other)
        {
            app.Time.Advance(TimeSpan.FromDays(1));
            await app.WaitForLogAsync(SkippedLeaseHeld);
            Assert.Contains(expired, await TokensAsync(app, _page));
        }
        await Poll.UntilAsync(() => Count(app, Scheduled) == 2, describe: Describe);
        app.Time.Advance(TimeSpan.FromDays(1));
        await app.WaitForLogAsync(Ran);

        Assert.Equal(1, Count(app, Running));
        Assert.Equal([live], await TokensAsync(app, _page));
    }

    [Fact]
    public async Task TwoHostsOnOneStorageRunEachOccurrenceOnce()
    {
        var first = await StartAsync();
        var second = await StartAsync();
        await OptInAsync(first, first.Time.GetUtcNow());

        for (var day = 1; day <= 3; day++)
        {
            // Each host has taken its next occurrence from its clock before the clock moves on.
            await Poll.UntilAsync(() => Count(first, Scheduled) == day && Count(second, Scheduled) == day, describe: Describe);
            first.Time.Advance(TimeSpan.FromDays(1));
            second.Time.Advance(TimeSpan.FromDays(1));
            await Poll.UntilAsync(() => Decided(first) + Decided(second) == 2 * day, describe: Describe);

            Assert.Equal(day, Count(first, Running) + Count(second, Running));
        }
        Assert.Equal(3, Count(first, Ran) + Count(second, Ran));
        static int Decided(OneTimeNotifApplication app) => Count(app, Ran) + Count(app, SkippedLeaseHeld) + Count(app, SkippedAlreadyRun);
    }

    [Fact]
    public async Task TheRealSchedulerPurgesOnAOneSecondScheduleOneHostAtATime()
    {
        var first = await StartAsync("* * * * * *", systemClock: true);
        var second = await StartAsync("* * * * * *", systemClock: true);
        var (expired, live) = await OptInAsync(first, DateTimeOffset.UtcNow);

        await Poll.UntilAsync(async () => !(await TokensAsync(first, _page)).Contains(expired), describe: Describe);
        await Poll.UntilAsync(() => Count(first, Ran) + Count(second, Ran) >= 3, describe: Describe);

        Assert.Equal([live], await TokensAsync(first, _page));
        var occurrences = first.Logs.Entries.Concat(second.Logs.Entries).Where(l => l.EventId.Id == Running).Select(l => l.Text.Split(" started")[0]).ToList();
        Assert.Equal(occurrences.Distinct().Count(), occurrences.Count);
    }

    private string Describe() => string.Join(Environment.NewLine, _apps.SelectMany((app, i) =>
        app.Logs.Entries.Where(l => l.EventId.Id is >= 7000 and < 10000 || l.Level >= Microsoft.Extensions.Logging.LogLevel.Warning)
            .Select(l => $"host {i}: {l.EventId.Id} {l.Text}")));

}
