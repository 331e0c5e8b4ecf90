namespace OneTimeNotif.FollowUps;

/// <summary>How follow-ups are split and retried, bound from the <c>FollowUps</c> section.</summary>
public sealed class FollowUpOptions
{
    public const string SectionName = "FollowUps";

    /// <summary>Token rows one queue message serves; the next segment is enqueued before this one is served.</summary>
    public int SegmentSize { get; set; } = 500;

    /// <summary>
    /// Users served at once within a segment; the Page's send budget paces the calls themselves. Each user also
    /// costs two storage round trips and Meta's answer time, so enough users must be under way that a slot never
    /// goes unused at a Page's highest rate (the fan-out figures in docs/benchmarks.md).
    /// </summary>
    public int SendConcurrency { get; set; } = 32;

    /// <summary>First delay before a throttled or failed segment is tried again; it doubles on every retry.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// After this many retries, users whose calls keep failing without an answer (HTTP 5xx, the network) are recorded
    /// as unknown (their tokens kept spent: Meta may have delivered). Throttling counts no retry: throttled users wait
    /// within the job's <see cref="TimeBudget"/>.
    /// </summary>
    public int MaxRetries { get; set; } = 12;

    /// <summary>
    /// The host's <c>maxDequeueCount</c> (host.json <c>extensions:queues</c>), read from there: on a message's last
    /// attempt a failure stops its job with the reason instead of leaving it running behind a poisoned segment.
    /// </summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>
    /// The host's <c>maxPollingInterval</c> (host.json <c>extensions:queues</c>), read from there: how long an idle
    /// queue listener may take to see a message, so a job's next segment becomes visible that much sooner.
    /// </summary>
    public TimeSpan QueuePollingInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long after it was submitted a job may still wait for users. A user deferred because their only usable
    /// token is a recurring one cooling down (Meta: one message per token per 48 hours) is served when the token is
    /// usable again, if that is within this budget; otherwise the job completes with the user counted deferred. Users
    /// held back by throttling (Meta's limits, the Page's send budget) are retried until it runs out; then the job
    /// stops with the reason, and submitting it again resumes it. Three days by default, so a 48-hour cooldown is
    /// waited out.
    /// </summary>
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromDays(3);

    /// <summary>
    /// The longest a segment with deferred users waits before it looks again. It waits until the first of their
    /// tokens cools down, but no longer than this, so a token that changed meanwhile (a new opt-in, a stop) is noticed.
    /// </summary>
    public TimeSpan MaxDeferralWait { get; set; } = TimeSpan.FromHours(1);
}
