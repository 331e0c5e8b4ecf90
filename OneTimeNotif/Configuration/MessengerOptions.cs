namespace OneTimeNotif.Configuration;

/// <summary>The Meta app and Pages this deployment serves, bound from the <c>Messenger</c> section.</summary>
public sealed class MessengerOptions
{
    public const string SectionName = "Messenger";

    /// <summary>The Meta app's ID: with the App Secret, the app access token of Meta's ID-matching API (data deletion).</summary>
    public string? AppId { get; set; }

    /// <summary>Keys webhook signatures and <c>appsecret_proof</c>.</summary>
    public string AppSecret { get; set; } = "";

    /// <summary>The token typed into Meta's webhook settings; echoed back by Meta in the GET handshake.</summary>
    public string VerifyToken { get; set; } = "";

    /// <summary>Page access tokens by Page ID.</summary>
    public Dictionary<string, PageOptions> Pages { get; set; } = [];

    public Uri GraphBaseUrl { get; set; } = new("https://graph.facebook.com");

    /// <summary>Graph API version such as <c>v21.0</c>. Meta retires versions, so it is never a literal in code.</summary>
    public string GraphApiVersion { get; set; } = "";
}

public sealed class PageOptions
{
    public string AccessToken { get; set; } = "";

    /// <summary>
    /// This Page's send rate, shared by every instance, when it differs from <c>SendApi__MessagesPerSecondPerPage</c>
    /// (40 by default, Meta's Page Inbox rule); at most 300, Meta's limit for text.
    /// </summary>
    public int? MessagesPerSecond { get; set; }
}
