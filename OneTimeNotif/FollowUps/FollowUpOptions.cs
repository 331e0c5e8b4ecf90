namespace OneTimeNotif.FollowUps;

/// <summary>How follow-ups are split and retried, bound from the <c>FollowUps</c> section.</summary>
public sealed class FollowUpOptions
{
    public const string SectionName = "FollowUps";

    /// <summary>Token rows one queue message serves; the next segment is enqueued before this one is served.</summary>
    public int SegmentSize { get; set; } = 500;

    /// <summary>Users served at once within a segment (the per-Page rate limiter paces the calls themselves).</summary>
    public int SendConcurrency { get; set; } = 16;

    /// <summary>First delay before a throttled or failed segment is tried again; it doubles on every retry.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After this many retries, users still throttled or failing are recorded as failed and their tokens released.</summary>
    public int MaxRetries { get; set; } = 12;
}
