using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;
using OneTimeNotif.Storage;

namespace OneTimeNotif.SendApi;

/// <summary>
/// Whether a send may go now (at its <see cref="Slot"/>) or, when the Page's budget is not available soon enough, when
/// to come back.
/// </summary>
public readonly record struct BudgetGrant(bool Granted, TimeSpan RetryAfter, DateTimeOffset Slot)
{
    public static BudgetGrant At(DateTimeOffset slot) => new(true, TimeSpan.Zero, slot);

    public static BudgetGrant Later(TimeSpan retryAfter) => new(false, retryAfter, default);
}

/// <summary>
/// One send budget per Page, shared by every instance through Table Storage: a schedule of slots 1/rate apart whose
/// next free slot is one row (<see cref="PageBudgetEntity"/>). An instance claims a block of slots (a quarter of a
/// second's worth) with one ETag-conditioned write and hands them to its own callers, so N instances together never
/// exceed the Page's rate and storage costs a fraction of a call per message. The rate adapts to Meta's answers:
/// a throttling answer lowers it (multiplicative decrease) and pauses the Page for every instance; sending raises it
/// back a little at a time, never above the configured rate.
/// </summary>
/// <remarks>
/// Runs on the wall clock: Meta's limits and pauses are in real time, never on the business clock tests move.
/// Idle time is not banked: a block starts no earlier than now, so a Page that was quiet never bursts.
/// </remarks>
public sealed class SendBudget(StorageTables tables, IOptionsMonitor<MessengerOptions> messenger, IOptions<SendApiOptions> options, TimeProvider time, ILogger<SendBudget> logger)
{
    /// <summary>Slots claimed at once, as time: ten at 40/s, 75 at 300/s, for one storage write.</summary>
    internal static readonly TimeSpan Block = TimeSpan.FromMilliseconds(250);

    /// <summary>How far ahead of now a block may start: one and a half blocks, so the next block is claimed before the current one runs out.</summary>
    private static readonly TimeSpan ClaimHorizon = Block * 1.5;

    /// <summary>
    /// How late a call may leave after its slot. Calls shifted by at most this much put at most rate × 0.025 extra
    /// calls into any one second, leaving the rest of a 5 % margin to the way to Meta.
    /// </summary>
    internal static readonly TimeSpan LateSlot = TimeSpan.FromMilliseconds(25);

    /// <summary>A schedule unused this long is idle: Meta's one-second window is empty, and sending starts afresh.</summary>
    private static readonly TimeSpan IdleSpell = TimeSpan.FromSeconds(1);

    /// <summary>The most one throttling answer takes off the rate.</summary>
    internal const double MaxDecrease = 0.5;

    /// <summary>Rate kept after a block whose end Meta names.</summary>
    internal const double BlockDecrease = 0.9;

    /// <summary>What the rate is set to after a throttling answer, as a share of the Page's limit that answer reveals.</summary>
    internal const double BelowEstimate = 0.95;

    /// <summary>Rate gained per second of sending well below the estimated limit, as a share of the current rate.</summary>
    internal const double FastIncreasePerSecond = 0.05;

    /// <summary>
    /// Rate gained per second near the estimated limit: slow, so the Page spends long just under its limit between
    /// two throttling answers (each costs a pause), and still finds out, in a minute or two, when Meta's limit rises.
    /// </summary>
    internal const double SlowIncreasePerSecond = 0.001;

    /// <summary>How far around the estimated limit the rate climbs slowly, as shares of the estimate.</summary>
    private const double NearLimitBelow = 0.9;
    private const double NearLimitAbove = 1.05;

    internal const double MinRate = 1;

    /// <summary>The app-wide pause is read again at most this often per instance: one read a second, whatever the traffic.</summary>
    private static readonly TimeSpan AppPauseRefresh = TimeSpan.FromSeconds(1);

    private const int MaxWriteAttempts = 10;

    private readonly ConcurrentDictionary<string, PageSlots> _pages = new();
    private readonly AppPause _app = new();
    private readonly SendApiOptions _options = options.Value;

    private TableClient Table => tables.SendBudget;

    /// <summary>
    /// Waits for the Page's next slot, for at most <see cref="SendApiOptions.MaxBudgetWait"/>; when the Page is paused
    /// or its schedule is taken further ahead than that, returns at once with when to come back.
    /// </summary>
    public async ValueTask<BudgetGrant> AcquireAsync(string pageId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pageId);
        var page = _pages.GetOrAdd(pageId, _ => new PageSlots());
        var deadline = time.GetUtcNow() + _options.MaxBudgetWait;
        while (true)
        {
            var now = time.GetUtcNow();
            var resume = Latest(page.PausedUntil, _app.PausedUntil);
            if (resume > now)
            {
                if (resume > deadline)
                {
                    return BudgetGrant.Later(resume - now);
                }
                await DelayAsync(resume - now, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (page.TryTake(now, out var slot, out var wasLast))
            {
                if (wasLast)
                {
                    // Claim the next block while this slot comes, so the next caller's slot is not missed waiting for storage.
                    await ClaimAsync(pageId, page, cancellationToken).ConfigureAwait(false);
                }
                await DelayAsync(slot - time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                var woke = time.GetUtcNow();
                // A pause learnt while waiting voids the slot: no call to a paused Page. So does waking late (a busy
                // host): callers that woke late together would go out as a burst, over the Page's rate.
                if (Latest(page.PausedUntil, _app.PausedUntil) <= woke && IsOnTime(slot, woke))
                {
                    return BudgetGrant.At(slot);
                }
                continue;
            }
            if (await ClaimAsync(pageId, page, cancellationToken).ConfigureAwait(false) is { } freeAt)
            {
                now = time.GetUtcNow();
                if (freeAt > deadline)
                {
                    return BudgetGrant.Later(freeAt - now);
                }
                // Other instances hold the next slots: claim again when they are nearly used.
                await DelayAsync(freeAt - ClaimHorizon - now, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Whether a call granted <paramref name="grant"/> may still leave: not later than <see cref="LateSlot"/> after its
    /// slot. Asked right before the call, after any work done since the grant.
    /// </summary>
    public bool IsOnTime(BudgetGrant grant) => grant.Granted && IsOnTime(grant.Slot, time.GetUtcNow());

    private static bool IsOnTime(DateTimeOffset slot, DateTimeOffset now) => now - slot <= LateSlot;

    /// <summary>The Page's current shared rate as this instance last saw it (the configured rate before any claim).</summary>
    public double CurrentRate(string pageId) =>
        _pages.TryGetValue(pageId, out var page) && page.Row is { } row ? Math.Min(row.Rate, ConfiguredRate(pageId)) : ConfiguredRate(pageId);

    /// <summary>
    /// How many sends to the Page one instance may have waiting at once and all still get a slot within
    /// <see cref="SendApiOptions.MaxBudgetWait"/> at the Page's current rate: a quarter of what the wait holds, leaving
    /// room for other instances and a successor segment. More would be turned away (told to come back) for want of a
    /// slot soon enough, and a segment turned away goes back to the queue and is read again. A quarter still keeps
    /// more sends under way than a send takes (storage and Meta, about 0.1 s) at any rate.
    /// </summary>
    public int SendsServedWithinWait(string pageId) =>
        Math.Max(1, (int)(CurrentRate(pageId) * _options.MaxBudgetWait.TotalSeconds / 4));

    /// <summary>Messages per second the Page may send at most: its own setting, or the default.</summary>
    public double ConfiguredRate(string pageId) =>
        messenger.CurrentValue.Pages.TryGetValue(pageId, out var page) && page.MessagesPerSecond is int own
            ? own
            : _options.MessagesPerSecondPerPage;

    /// <summary>
    /// Acts on what Meta said about limits: a throttling answer or a Page near its limit pauses the Page (for the
    /// time Meta names, else <see cref="SendApiOptions.ThrottlePause"/>) and lowers its rate; code 4 or an app near its
    /// limit pauses every Page.
    /// </summary>
    public async Task ObserveAsync(string pageId, SendResult result, MetaUsage usage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(usage);
        var limit = _options.UsageLimitPercent;
        if ((result.Error is { } error && SendErrorClassifier.IsAppThrottle(error)) || usage.AppPercent >= limit)
        {
            await PauseAppAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (result.Status == SendStatus.Throttled || usage.RegainAccessIn is not null || usage.PagePercent >= limit)
        {
            // Refused with no time named: Meta's one-second window was full, which tells the Page's limit.
            var windowFull = result.Status == SendStatus.Throttled && usage.RegainAccessIn is null;
            await PauseAsync(pageId, usage.RegainAccessIn, windowFull, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Pauses the Page for every instance and lowers its rate a step (once for the calls that were under way
    /// together): for a block whose end Meta named, or usage near Meta's limit.
    /// </summary>
    public Task PausePageAsync(string pageId, TimeSpan? pause, CancellationToken cancellationToken = default) =>
        PauseAsync(pageId, pause, windowFull: false, cancellationToken);

    /// <param name="windowFull">Meta refused for its one-second window: the refusal's timing tells the Page's limit.</param>
    private async Task PauseAsync(string pageId, TimeSpan? pause, bool windowFull, CancellationToken cancellationToken)
    {
        var page = _pages.GetOrAdd(pageId, _ => new PageSlots());
        var now = time.GetUtcNow();
        var until = now + (pause ?? _options.ThrottlePause);
        page.Pause(until);
        var row = page.Row ?? await ReadAsync(pageId, now, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var decrease = now - row.DecreasedAt >= _options.ThrottlePause;
            if (!decrease && row.PausedUntil >= until)
            {
                page.Remember(row);
                return;
            }
            var paused = row.Copy();
            if (decrease)
            {
                Lower(paused, pageId, now, windowFull);
            }
            paused.PausedUntil = Latest(row.PausedUntil, until);
            paused.NextSlot = Latest(row.NextSlot, paused.PausedUntil);
            paused.SendingSince = paused.PausedUntil;
            if (await TryWriteAsync(paused, cancellationToken).ConfigureAwait(false))
            {
                page.Remember(paused);
                SendApiLog.PagePaused(logger, pageId, paused.PausedUntil, paused.Rate);
                return;
            }
            row = await ReadAsync(pageId, now, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Pauses every Page for every instance (the app's own limit: Meta names no time for it).</summary>
    public async Task PauseAppAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var until = now + _options.AppThrottlePause;
        _app.Extend(until, now);
        for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            var stored = await ReadAppRowAsync(cancellationToken).ConfigureAwait(false);
            if (stored?.PausedUntil >= until)
            {
                _app.Extend(stored.PausedUntil, now);
                return;
            }
            var paused = new AppBudgetEntity { PartitionKey = AppBudgetEntity.Partition, RowKey = AppBudgetEntity.Row, PausedUntil = until, ETag = stored?.ETag ?? default };
            if (await TryWriteAsync(paused, cancellationToken).ConfigureAwait(false))
            {
                SendApiLog.AppPaused(logger, until);
                return;
            }
        }
    }

    /// <summary>
    /// Claims the next block of the Page's schedule for this instance. Returns null when slots are now available
    /// here; otherwise when the schedule's next free slot comes (other instances hold the slots before it, or the
    /// Page or app is paused until then).
    /// </summary>
    private async Task<DateTimeOffset?> ClaimAsync(string pageId, PageSlots page, CancellationToken cancellationToken)
    {
        await page.Claiming.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            if (page.HasSlots(now))
            {
                return null;
            }
            await RefreshAppPauseAsync(now, cancellationToken).ConfigureAwait(false);
            // Other instances only ever move the schedule later: when even the row last seen says the next free slot
            // is beyond reach, it is, and the callers queued behind this one learn it without a storage call each.
            if (page.Row is { } seen && FirstFree(seen, now) - now > ClaimHorizon)
            {
                return FirstFree(seen, now);
            }
            var row = page.Row ?? await ReadAsync(pageId, now, cancellationToken).ConfigureAwait(false);
            for (var attempt = 1; attempt <= MaxWriteAttempts; attempt++)
            {
                now = time.GetUtcNow();
                var start = FirstFree(row, now);
                if (start - now > ClaimHorizon)
                {
                    page.Remember(row);
                    return start;
                }
                var claimed = row.Copy();
                if (row.NextSlot < now - IdleSpell)
                {
                    // The schedule was idle: sending starts (again) now.
                    claimed.SendingSince = start;
                }
                claimed.Rate = RaisedRate(pageId, row, now);
                claimed.RateChangedAt = now;
                var interval = TimeSpan.FromSeconds(1 / claimed.Rate);
                var count = Math.Max(1, (int)Math.Round(claimed.Rate * Block.TotalSeconds));
                claimed.NextSlot = start + (interval * count);
                if (await TryWriteAsync(claimed, cancellationToken).ConfigureAwait(false))
                {
                    page.Remember(claimed);
                    page.Add(start, interval, count);
                    return null;
                }
                row = await ReadAsync(pageId, now, cancellationToken).ConfigureAwait(false);
            }
            // Instances kept claiming first: come back after a block's time.
            return time.GetUtcNow() + Block;
        }
        finally
        {
            page.Claiming.Release();
        }
    }

    /// <summary>The schedule's first slot free to claim: not before now, the Page's pause or the app's.</summary>
    private DateTimeOffset FirstFree(PageBudgetEntity row, DateTimeOffset now) =>
        Latest(Latest(row.NextSlot, now), Latest(row.PausedUntil, _app.PausedUntil));

    /// <summary>
    /// Multiplicative decrease after a throttling answer, to just under the limit the answer reveals. Meta refuses once
    /// the calls of its one-second window exceed its limit: refused t seconds (under one) after sending resumed at rate
    /// R, the limit is about R × t; refused later, the window held a second at R, so the limit is about R. Halved at
    /// most: a schedule not kept full says less than it seems. A block whose end Meta names (80006 with
    /// <c>estimated_time_to_regain_access</c>) or usage near 100 % is about the Page's volume over minutes, not its
    /// one-second window: the rate only steps down.
    /// </summary>
    private void Lower(PageBudgetEntity row, string pageId, DateTimeOffset now, bool windowFull)
    {
        var rate = Math.Min(row.Rate, ConfiguredRate(pageId));
        if (windowFull)
        {
            var sending = (now - row.SendingSince).TotalSeconds;
            var estimate = sending is > 0 and < 1 ? rate * sending : rate;
            row.LimitEstimate = estimate;
            row.Rate = Math.Max(MinRate, Math.Max(rate * MaxDecrease, estimate * BelowEstimate));
        }
        else
        {
            row.Rate = Math.Max(MinRate, rate * BlockDecrease);
        }
        row.DecreasedAt = now;
        row.RateChangedAt = now;
    }

    /// <summary>The rate after the time sent at it since the last change: additive increase, capped by the configured rate.</summary>
    private double RaisedRate(string pageId, PageBudgetEntity row, DateTimeOffset now)
    {
        var configured = ConfiguredRate(pageId);
        var since = Latest(row.RateChangedAt, row.PausedUntil);
        // Counted up to a second per claim: a Page that was idle resumes where it was, it earned nothing by waiting.
        var seconds = Math.Clamp((now - since).TotalSeconds, 0, 1);
        // Slowly near the limit Meta last showed; fast below it, and above it too: there the estimate was wrong.
        var nearLimit = row.Rate >= row.LimitEstimate * NearLimitBelow && row.Rate <= row.LimitEstimate * NearLimitAbove;
        var step = nearLimit ? SlowIncreasePerSecond : FastIncreasePerSecond;
        var rate = row.Rate <= 0 ? configured : row.Rate + (row.Rate * step * seconds);
        return Math.Clamp(rate, MinRate, configured);
    }

    private async Task RefreshAppPauseAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (now - _app.ReadAt < AppPauseRefresh)
        {
            return;
        }
        var stored = await ReadAppRowAsync(cancellationToken).ConfigureAwait(false);
        _app.Extend(stored?.PausedUntil ?? DateTimeOffset.MinValue, now);
    }

    /// <summary>The app-wide pause row as stored; null before any app-wide limit was met.</summary>
    private async Task<AppBudgetEntity?> ReadAppRowAsync(CancellationToken cancellationToken)
    {
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        return (await Table.GetEntityIfExistsAsync<AppBudgetEntity>(AppBudgetEntity.Partition, AppBudgetEntity.Row, cancellationToken: cancellationToken).ConfigureAwait(false)).ValueOrNull();
    }

    /// <summary>The Page's row as stored, or a new one (not yet stored: no ETag) at the configured rate.</summary>
    private async Task<PageBudgetEntity> ReadAsync(string pageId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        return (await Table.GetEntityIfExistsAsync<PageBudgetEntity>(PageBudgetEntity.Partition, pageId, cancellationToken: cancellationToken).ConfigureAwait(false)).ValueOrNull()
            ?? new PageBudgetEntity
            {
                PartitionKey = PageBudgetEntity.Partition,
                RowKey = pageId,
                NextSlot = now,
                Rate = ConfiguredRate(pageId),
                RateChangedAt = now,
                DecreasedAt = now - TimeSpan.FromDays(1),
                PausedUntil = now,
                SendingSince = now,
            };
    }

    /// <summary>Writes the row if nobody changed it since it was read (adds it when it was never stored).</summary>
    /// <returns>False when another instance wrote first: read again and decide again.</returns>
    private async Task<bool> TryWriteAsync<T>(T row, CancellationToken cancellationToken) where T : TableRow
    {
        try
        {
            var response = row.ETag == default
                ? await Table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false)
                : await Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            row.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    private Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        delay > TimeSpan.Zero ? Task.Delay(delay, time, cancellationToken) : Task.CompletedTask;

    private static DateTimeOffset Latest(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>This instance's claimed slots of one Page and what it last knew of the Page's row.</summary>
    private sealed class PageSlots
    {
        private readonly Lock _lock = new();
        private readonly Queue<DateTimeOffset> _slots = new();
        private TimeSpan _interval;
        private DateTimeOffset _pausedUntil;

        public SemaphoreSlim Claiming { get; } = new(1, 1);

        public PageBudgetEntity? Row { get; private set; }

        public DateTimeOffset PausedUntil
        {
            get
            {
                lock (_lock)
                {
                    return _pausedUntil;
                }
            }
        }

        public bool HasSlots(DateTimeOffset now)
        {
            lock (_lock)
            {
                DropMissed(now);
                return _slots.Count > 0;
            }
        }

        /// <param name="wasLast">The slot taken was this instance's last: time to claim the next block.</param>
        public bool TryTake(DateTimeOffset now, out DateTimeOffset slot, out bool wasLast)
        {
            lock (_lock)
            {
                DropMissed(now);
                var taken = _slots.TryDequeue(out slot);
                wasLast = taken && _slots.Count == 0;
                return taken;
            }
        }

        public void Add(DateTimeOffset start, TimeSpan interval, int count)
        {
            lock (_lock)
            {
                _interval = interval;
                for (var i = 0; i < count; i++)
                {
                    _slots.Enqueue(start + (interval * i));
                }
            }
        }

        public void Remember(PageBudgetEntity row)
        {
            lock (_lock)
            {
                Row = row;
                if (row.PausedUntil > _pausedUntil)
                {
                    _pausedUntil = row.PausedUntil;
                    _slots.Clear();
                }
            }
        }

        /// <summary>Paused here at once, before storage knows: the slots held are void.</summary>
        public void Pause(DateTimeOffset until)
        {
            lock (_lock)
            {
                if (until > _pausedUntil)
                {
                    _pausedUntil = until;
                }
                _slots.Clear();
            }
        }

        /// <summary>A slot gone by unused is dropped rather than sent late: late slots taken together would be a burst.</summary>
        private void DropMissed(DateTimeOffset now)
        {
            while (_slots.TryPeek(out var first) && first < now - _interval)
            {
                _slots.Dequeue();
            }
        }
    }

    private sealed class AppPause
    {
        private readonly Lock _lock = new();
        private DateTimeOffset _pausedUntil;

        public DateTimeOffset ReadAt { get; private set; } = DateTimeOffset.MinValue;

        public DateTimeOffset PausedUntil
        {
            get
            {
                lock (_lock)
                {
                    return _pausedUntil;
                }
            }
        }

        public void Extend(DateTimeOffset until, DateTimeOffset now)
        {
            lock (_lock)
            {
                ReadAt = now;
                if (until > _pausedUntil)
                {
                    _pausedUntil = until;
                }
            }
        }
    }
}
