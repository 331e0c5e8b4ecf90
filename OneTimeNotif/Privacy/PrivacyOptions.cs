namespace OneTimeNotif.Privacy;

/// <summary>Erasure and Meta's data-deletion callback, bound from the <c>Privacy</c> section.</summary>
public sealed class PrivacyOptions
{
    public const string SectionName = "Privacy";

    /// <summary>
    /// The secret that keys the per-user index and the erasure markers (an HMAC of Page + PSID, so neither holds a
    /// PSID). Unset, it is derived from the App Secret: set it before rotating the App Secret, or the index written
    /// before the rotation can no longer be found.
    /// </summary>
    public string? UserKey { get; set; }

    /// <summary>The address people reach this deployment at, for the data-deletion status page; unset, the request's.</summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>How long a data-deletion request waits after Meta refused to map its user, doubling up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);
}
