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
}
