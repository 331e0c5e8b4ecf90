namespace OneTimeNotif.FakeSendApi;

public sealed class FakeSendApiOptions
{
    /// <summary>Page ID → the access token Meta would accept for it.</summary>
    public Dictionary<string, string> PageTokens { get; set; } = [];

    /// <summary>When set, <c>appsecret_proof</c> must match, as with "Require App Secret" on.</summary>
    public string? AppSecret { get; set; }

    /// <summary>Calls per second per Page before 613; 0 for no limit. Meta allows 300/s for text.</summary>
    public int MaxCallsPerSecondPerPage { get; set; }

    /// <summary>Page ID → its own calls per second before 613, overriding <see cref="MaxCallsPerSecondPerPage"/>.</summary>
    public Dictionary<string, int> PageLimits { get; set; } = [];

    /// <summary>A call to a blocked Page (80006) pushes the block's end to at least this long after the call, as Meta's blocks do.</summary>
    public TimeSpan BlockExtension { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan Latency { get; set; }

    /// <summary>The app ID of the app access token (<c>{AppId}|{AppSecret}</c>) that <c>ids_for_pages</c> accepts.</summary>
    public string? AppId { get; set; }

    /// <summary>Page-scoped IDs per page of an <c>ids_for_pages</c> answer (Meta's default is 25).</summary>
    public int IdsForPagesPageSize { get; set; } = 25;

    /// <summary>Meta's rule for recurring tokens: at most one message per token in this interval (48 hours since 2025-09-01).</summary>
    public TimeSpan RecurringInterval { get; set; } = TimeSpan.FromHours(48);
}
