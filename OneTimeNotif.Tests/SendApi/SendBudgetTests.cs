using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.SendApi;
using OneTimeNotif.Testing;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.SendApi;

/// <summary>
/// The shared per-Page budget on real storage and the wall clock. Two <see cref="SendBudget"/> objects on one storage
/// account stand for two instances: they share nothing but the Page's row.
/// </summary>
public sealed class SendBudgetTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const int Rate = 20;
    private readonly string _page = NewId();
    private OneTimeNotifApplication _app = null!;

    public Task InitializeAsync()
    {
        _app = new OneTimeNotifApplication(storage.Azurite, new Dictionary<string, string?>
        {
            [$"Messenger:Pages:{_page}:AccessToken"] = OneTimeNotifApplication.PageAccessToken,
            [$"Messenger:Pages:{_page}:MessagesPerSecond"] = $"{Rate}",
            ["SendApi:ThrottlePause"] = "00:00:00.500",
            ["SendApi:AppThrottlePause"] = "00:00:05",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private SendBudget NewInstance() => ActivatorUtilities.CreateInstance<SendBudget>(_app.Services, TimeProvider.System);

    [Fact]
    public async Task TwoInstancesTogetherSendAtThePagesRateNotEachAtIt()
    {
        var instances = new[] { NewInstance(), NewInstance() };
        foreach (var instance in instances)
        {
            // The first call creates the tables: not part of the pace.
            await instance.AcquireAsync(_page);
        }
        await Task.Delay(TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();
        var granted = new System.Collections.Concurrent.ConcurrentBag<TimeSpan>();

        // Each instance has more callers than slots; whoever cannot get a slot soon enough is told to come back.
        await Task.WhenAll(instances.SelectMany(budget => Enumerable.Range(0, 8).Select(async _ =>
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(3))
            {
                if ((await budget.AcquireAsync(_page)).Granted)
                {
                    granted.Add(clock.Elapsed);
                }
            }
        })));

        var times = granted.Order().ToList();
        // Counted by when each wait returned, which a loaded machine delays: the per-second check is at the fake,
        // in the host-process tests. Here, two instances in three seconds got three seconds' worth of slots, not six.
        Assert.InRange(times.Count(t => t < TimeSpan.FromSeconds(3)), Rate * 2, (Rate * 3) + 1);
    }

    [Fact]
    public async Task APauseOneInstanceLearnsHoldsBackTheOthersOnceTheirClaimedSlotsAreGone()
    {
        var first = NewInstance();
        var second = NewInstance();
        Assert.True((await second.AcquireAsync(_page)).Granted);

        var sincePause = Stopwatch.StartNew();
        await first.PausePageAsync(_page, TimeSpan.FromSeconds(3));
        await Task.Delay(SendBudget.Block + TimeSpan.FromMilliseconds(100));
        var started = Stopwatch.StartNew();
        var grant = await second.AcquireAsync(_page);

        Assert.False(grant.Granted);
        // Told to come back when the pause ends: 3 s after it was set, less the time gone since (longer on a busy machine).
        Assert.InRange(grant.RetryAfter, TimeSpan.FromSeconds(3) - sincePause.Elapsed, TimeSpan.FromSeconds(3));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(1), "the caller is told at once, not kept waiting");
    }

    [Fact]
    public async Task ThrottlingLowersTheSharedRateOnceForCallsUnderWayTogetherAndSendingRaisesItAgainNeverAboveTheConfiguredRate()
    {
        var first = NewInstance();
        var second = NewInstance();
        await SendAsync(first, TimeSpan.FromSeconds(1.2));
        var throttled = new SendResult(SendStatus.Throttled, Error: new MetaError(400, 613, null, null, null));

        await first.ObserveAsync(_page, throttled, MetaUsage.None);
        await second.ObserveAsync(_page, throttled, MetaUsage.None);

        Assert.Equal(Rate * SendBudget.BelowEstimate, second.CurrentRate(_page), 3);
        var rates = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            await second.AcquireAsync(_page);
            rates.Add(second.CurrentRate(_page));
        }
        Assert.True(rates[^1] > Rate * SendBudget.BelowEstimate, $"the rate stayed at {rates[^1]}");
        Assert.All(rates, r => Assert.InRange(r, Rate * SendBudget.BelowEstimate, Rate));
    }

    [Fact]
    public async Task AThrottleSoonAfterSendingStartsSetsTheRateJustUnderTheLimitItReveals()
    {
        var budget = NewInstance();
        // Tables and connections first: the timed part is the sending alone.
        await budget.AcquireAsync(NewId());
        // At 20/s, Meta refusing after half a second says its limit is about 10/s.
        await SendAsync(budget, TimeSpan.FromSeconds(0.5));

        await budget.ObserveAsync(_page, new SendResult(SendStatus.Throttled, Error: new MetaError(400, 613, null, null, null)), MetaUsage.None);

        Assert.InRange(budget.CurrentRate(_page), Rate * SendBudget.MaxDecrease, Rate * 0.8);
    }

    [Fact]
    public async Task AnAppWideLimitPausesEveryPageForEveryInstance()
    {
        // The app's pause is one row for the whole storage account: on the shared Azurite it would pause every test.
        await using var ownStorage = await Azurite.StartAsync();
        await using var app = new OneTimeNotifApplication(ownStorage, new Dictionary<string, string?> { ["SendApi:AppThrottlePause"] = "00:00:05" });
        var first = ActivatorUtilities.CreateInstance<SendBudget>(app.Services, TimeProvider.System);
        var second = ActivatorUtilities.CreateInstance<SendBudget>(app.Services, TimeProvider.System);
        var appLimited = new SendResult(SendStatus.Throttled, Error: new MetaError(400, 4, null, null, null));

        await first.ObserveAsync(_page, appLimited, MetaUsage.None);
        var grant = await second.AcquireAsync(NewId());

        Assert.False(grant.Granted);
        Assert.InRange(grant.RetryAfter, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task APageNearItsUsageLimitPausesForTheTimeMetaNames()
    {
        var budget = NewInstance();

        await budget.ObserveAsync(_page, SendResult.Sent("m_1"), new MetaUsage(null, 97, null));
        var nearLimit = await budget.AcquireAsync(_page);
        await budget.ObserveAsync(_page, SendResult.Sent("m_2"), new MetaUsage(null, 100, TimeSpan.FromMinutes(2)));
        var blocked = await NewInstance().AcquireAsync(_page);

        Assert.True(nearLimit.Granted, "a short pause is waited out");
        Assert.False(blocked.Granted);
        Assert.InRange(blocked.RetryAfter, TimeSpan.FromSeconds(110), TimeSpan.FromMinutes(2));
    }

    [Fact]
    public async Task ABlockWhoseEndMetaNamesStepsTheRateDownInsteadOfReadingALimitFromItsTiming()
    {
        var budget = NewInstance();
        await budget.AcquireAsync(NewId());
        // A refusal for Meta's one-second window this soon would say the limit is about 6/s; a block says nothing of the kind.
        await SendAsync(budget, TimeSpan.FromSeconds(0.3));

        await budget.ObserveAsync(_page, new SendResult(SendStatus.Throttled, Error: new MetaError(400, 80006, null, null, null)), new MetaUsage(null, 100, TimeSpan.FromSeconds(1)));

        Assert.Equal(Rate * SendBudget.BlockDecrease, budget.CurrentRate(_page), 3);
    }

    /// <summary>Takes the Page's slots one after another for <paramref name="period"/>, as a sender kept busy would.</summary>
    private async Task SendAsync(SendBudget budget, TimeSpan period)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < period)
        {
            await budget.AcquireAsync(_page);
        }
    }
}
