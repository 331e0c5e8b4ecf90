using System.Collections.Concurrent;
using System.Threading.RateLimiting;
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

/// <summary>Paces Send API calls per Page with a token bucket refilled in small steps, so no second sees a burst.</summary>
public sealed class SendRateLimiter(IOptions<SendApiOptions> options) : IDisposable
{
    /// <summary>Refills happen 50 times a second: any one-second window holds at most the rate plus one step.</summary>
    private const int StepsPerSecond = 50;

    private readonly ConcurrentDictionary<string, RateLimiter> _pages = new();

    public async ValueTask WaitAsync(string pageId, CancellationToken cancellationToken)
    {
        var limiter = _pages.GetOrAdd(pageId, _ => Create(options.Value.MaxCallsPerSecondPerPage));
        using var lease = await limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
    }

    private static TokenBucketRateLimiter Create(int perSecond)
    {
        var perStep = Math.Max(1, perSecond / StepsPerSecond);
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = perStep,
            TokensPerPeriod = perStep,
            ReplenishmentPeriod = TimeSpan.FromSeconds((double)perStep / perSecond),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    public void Dispose()
    {
        foreach (var limiter in _pages.Values)
        {
            limiter.Dispose();
        }
    }
}
