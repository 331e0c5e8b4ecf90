using OneTimeNotif.Storage;

namespace OneTimeNotif.SendApi;

/// <summary>
/// One Page's send budget, shared by every instance: the next free slot of its schedule, its current (adaptive)
/// rate and how long it is paused. Instances claim a block of slots at a time under the row's ETag.
/// </summary>
internal sealed class PageBudgetEntity : TableRow
{
    public const string Partition = "page";

    /// <summary>The first slot no instance has claimed yet.</summary>
    public DateTimeOffset NextSlot { get; set; }

    /// <summary>Messages per second now; lowered on throttling, raised step by step up to the configured rate.</summary>
    public double Rate { get; set; }

    /// <summary>When <see cref="Rate"/> was last raised or lowered: the increase is paced on it.</summary>
    public DateTimeOffset RateChangedAt { get; set; }

    /// <summary>When the rate was last lowered: throttling answers to calls already under way count once.</summary>
    public DateTimeOffset DecreasedAt { get; set; }

    /// <summary>When the schedule last started filling after an idle spell or a pause: how soon Meta refuses after it tells its limit.</summary>
    public DateTimeOffset SendingSince { get; set; }

    /// <summary>Meta's limit for the Page as last estimated from a throttling answer; 0 before any.</summary>
    public double LimitEstimate { get; set; }

    /// <summary>No instance sends to the Page before this.</summary>
    public DateTimeOffset PausedUntil { get; set; }

    public PageBudgetEntity Copy() => (PageBudgetEntity)MemberwiseClone();
}

/// <summary>The app-wide pause (code 4, <c>X-App-Usage</c> near the limit): no instance sends to any Page before it.</summary>
internal sealed class AppBudgetEntity : TableRow
{
    public const string Partition = "app";
    public const string Row = "app";

    public DateTimeOffset PausedUntil { get; set; }
}
