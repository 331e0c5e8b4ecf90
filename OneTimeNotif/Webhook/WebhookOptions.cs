namespace OneTimeNotif.Webhook;

/// <summary>Limits of the webhook endpoint, bound from the <c>Webhook</c> section.</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhook";

    /// <summary>
    /// Larger bodies get 413. Meta batches up to 1,000 events per POST and an opt-in event is under 1 KB, so the
    /// 1 MiB default leaves ample room while keeping a hostile body from filling memory.
    /// </summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// How long the whole body may take to arrive; past it the request ends with 408. Meta sends a body at once and
    /// expects an answer within 20 seconds, so a body still arriving after 10 is a slow sender holding a request open
    /// (Kestrel's minimum data rate alone lets a 1 MiB body take over an hour).
    /// </summary>
    public TimeSpan BodyTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
