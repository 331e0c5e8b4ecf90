namespace OneTimeNotif.FollowUps;

/// <summary>How follow-ups are split and retried, bound from the <c>FollowUps</c> section.</summary>
public sealed class FollowUpOptions
{
    public const string SectionName = "FollowUps";

    /// <summary>Token rows one queue message serves; the next segment is enqueued before this one is served.</summary>
    public int SegmentSize { get; set; } = 500;

    /// <summary>
    /// Users served at once within a segment; the per-Page rate limiter paces the calls themselves. Each user also
    /// costs two storage round trips and Meta's answer time, so enough users must be under way that a slot never
    /// goes unused: with 16 the benchmark's fan-out reached 285/s of the 290/s pace, with 32 it reached 290/s.
    /// </summary>
    public int SendConcurrency { get; set; } = 32;

    /// <summary>First delay before a throttled or failed segment is tried again; it doubles on every retry.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After this many retries, users still failing (HTTP 5xx, network) are recorded as failed and their tokens released. Throttling counts no retry.</summary>
    public int MaxRetries { get; set; } = 12;

    /// <summary>How long throttled users of a job are retried, from when the job was recorded; then the job stops (resumable).</summary>
    public TimeSpan DeliveryTimeBudget { get; set; } = TimeSpan.FromDays(1);
}
