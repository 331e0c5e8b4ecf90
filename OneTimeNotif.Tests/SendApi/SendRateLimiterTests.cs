using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OneTimeNotif.SendApi;

namespace OneTimeNotif.Tests.SendApi;

/// <summary>The pacing schedule on a fake clock: when each call may leave, and that a wait lasts until then.</summary>
public sealed class SendRateLimiterTests
{
    private const int Rate = 20;
    private static readonly TimeSpan Slot = TimeSpan.FromSeconds(1.0 / Rate);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero));
    private readonly SendRateLimiter _limiter;

    public SendRateLimiterTests() =>
        _limiter = new SendRateLimiter(Options.Create(new SendApiOptions { MaxCallsPerSecondPerPage = Rate }), _time);

    [Fact]
    public void ABurstGetsOneSlotPerCallAtExactlyTheRate()
    {
        var waits = Reserve("page-a", 3 * Rate);

        Assert.Equal(Enumerable.Range(0, 3 * Rate).Select(k => Slot * k), waits);
        Assert.True(MaxInOneSecond(waits) <= Rate + 1, $"{MaxInOneSecond(waits)} calls in one second");
    }

    [Fact]
    public void ACallThatLeavesLateDoesNotSlowTheOnesAfterIt()
    {
        Reserve("page-a", 10);
        // The clock moves past several slots, as it does when timers fire late on a loaded host.
        _time.Advance(Slot * 9.4);

        Assert.Equal(Slot * 0.6, Reserve("page-a", 1).Single());
    }

    [Fact]
    public void IdleTimeIsNotBankedIntoABurst()
    {
        Reserve("page-a", 1);
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal([TimeSpan.Zero, Slot, Slot * 2], Reserve("page-a", 3));
    }

    [Fact]
    public void EachPageHasItsOwnSchedule()
    {
        Reserve("page-a", Rate);

        Assert.Equal(TimeSpan.Zero, Reserve("page-b", 1).Single());
    }

    [Fact]
    public async Task AWaitLastsUntilItsSlot()
    {
        await _limiter.WaitAsync("page-a", CancellationToken.None);
        var second = _limiter.WaitAsync("page-a", CancellationToken.None).AsTask();

        _time.Advance(Slot - TimeSpan.FromMilliseconds(1));
        Assert.False(second.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await second.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ACancelledWaitEndsAtOnce()
    {
        Reserve("page-a", 5);
        using var cancel = new CancellationTokenSource();
        var waiting = _limiter.WaitAsync("page-a", cancel.Token).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    private List<TimeSpan> Reserve(string page, int count) => [.. Enumerable.Range(0, count).Select(_ => _limiter.Reserve(page))];

    private static int MaxInOneSecond(List<TimeSpan> departures) =>
        departures.Max(first => departures.Count(t => t >= first && t < first + TimeSpan.FromSeconds(1)));
}
