using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace OneTimeNotif.SendApi;

/// <summary>Options of the Send API client, bound from the <c>SendApi</c> section.</summary>
public sealed class SendApiOptions
{
    public const string SectionName = "SendApi";

    /// <summary>
    /// Calls per second per Page. Meta allows 300/s for text; staying just under it keeps throttling (and the
    /// retries it costs) near zero. Per instance: a scaled-out app shares Meta's limit across instances.
    /// </summary>
    public int MaxCallsPerSecondPerPage { get; set; } = 290;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Paces Send API calls per Page: each call takes the next free slot on the Page's schedule, slots 1/rate apart,
/// so any one-second window holds at most the rate plus one call.
/// </summary>
/// <remarks>
/// Slots follow the ideal schedule, not the moment the previous call actually left: a timer that fires late delays
/// one call, not the rate. (A token bucket refilled by a timer loses the refills its late ticks miss, which held a
/// loaded host at 96 % of its rate.) Idle time is not banked: after a pause the schedule restarts from now, so it
/// never bursts.
/// </remarks>
public sealed class SendRateLimiter(IOptions<SendApiOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, PageSchedule> _pages = new();

    public async ValueTask WaitAsync(string pageId, CancellationToken cancellationToken)
    {
        var wait = Reserve(pageId);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Takes the Page's next free slot; returns how long until it comes.</summary>
    internal TimeSpan Reserve(string pageId) => Schedule(pageId).Reserve(time.GetUtcNow());

    private PageSchedule Schedule(string pageId) =>
        _pages.GetOrAdd(pageId, _ => new PageSchedule(TimeSpan.FromSeconds(1.0 / options.Value.MaxCallsPerSecondPerPage)));

    private sealed class PageSchedule(TimeSpan interval)
    {
        private readonly Lock _lock = new();
        private DateTimeOffset _next = DateTimeOffset.MinValue;

        /// <returns>How long the caller waits for its slot.</returns>
        public TimeSpan Reserve(DateTimeOffset now)
        {
            lock (_lock)
            {
                var slot = _next > now ? _next : now;
                _next = slot + interval;
                return slot - now;
            }
        }
    }
}
