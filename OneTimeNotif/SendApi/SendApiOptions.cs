namespace OneTimeNotif.SendApi;

/// <summary>Options of the Send API client and the Pages' shared send budget, bound from the <c>SendApi</c> section.</summary>
public sealed class SendApiOptions
{
    public const string SectionName = "SendApi";

    /// <summary>Meta's limit for text messages per Page; no configured rate may exceed it.</summary>
    public const int MetaMaxMessagesPerSecond = 300;

    /// <summary>
    /// Messages per second per Page, shared by every instance, unless the Page sets its own
    /// (<c>Messenger__Pages__{id}__MessagesPerSecond</c>). Above 40/s Meta stops showing new messages in the Page
    /// Inbox and the Page cannot send until the volume decreases, so 40 is the safe default.
    /// </summary>
    public int MessagesPerSecondPerPage { get; set; } = 40;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a send may wait for its Page's budget. Beyond it the caller is told when to come back (a follow-up
    /// segment goes back to the queue with that delay) instead of holding an instance, which is billed, waiting.
    /// </summary>
    public TimeSpan MaxBudgetWait { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>How long a Page pauses after a throttling answer that names no time of its own.</summary>
    public TimeSpan ThrottlePause { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the whole app pauses after code 4 or an <c>X-App-Usage</c> near the limit (Meta names no time for them).</summary>
    public TimeSpan AppThrottlePause { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Usage (percent, from Meta's usage headers) at which the Page or the app pauses before Meta blocks it.</summary>
    public int UsageLimitPercent { get; set; } = 95;
}
