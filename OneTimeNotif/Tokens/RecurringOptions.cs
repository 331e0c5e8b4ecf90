namespace OneTimeNotif.Tokens;

/// <summary>Recurring Notifications settings, bound from the <c>Recurring</c> section.</summary>
public sealed class RecurringOptions
{
    public const string SectionName = "Recurring";

    public static readonly TimeSpan MinTokenInterval = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxTokenInterval = TimeSpan.FromDays(30);

    /// <summary>
    /// Meta's rule: at most one message per recurring token in this interval (48 hours since 2025-09-01, 24 before).
    /// A token sent within it is "cooling down" and is not sent again until it has passed.
    /// </summary>
    public TimeSpan TokenInterval { get; set; } = TimeSpan.FromHours(48);
}
