namespace OneTimeNotif.Tests.Infrastructure;

/// <summary>
/// The settings both hosts under test run with (the standalone host of <see cref="OneTimeNotifApplication"/>, the
/// Functions app of <c>FunctionsAppFixture</c>), as configuration keys: one list, so the two never drift apart.
/// </summary>
public static class TestHostSettings
{
    /// <summary>The app's own settings.</summary>
    public static Dictionary<string, string?> App() => new()
    {
        ["Messenger:AppSecret"] = OneTimeNotifApplication.AppSecret,
        ["Messenger:VerifyToken"] = OneTimeNotifApplication.VerifyToken,
        ["Messenger:AppId"] = OneTimeNotifApplication.AppId,
        ["Messenger:GraphApiVersion"] = "v23.0",
        // Quick retries keep the tests short; the semantics are the production ones.
        ["FollowUps:RetryDelay"] = "00:00:00.200",
        ["FollowUps:MaxRetryDelay"] = "00:00:01",
        // Every category at its most verbose, overriding appsettings.json and host.json, so the secret scans see
        // everything any sink could.
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Trace",
        ["Logging:LogLevel:Azure.Core"] = "Trace",
    };

    /// <summary>host.json's settings of the queue trigger: quick polling, a failed message back at once.</summary>
    public static Dictionary<string, string?> HostJson() => new()
    {
        ["extensions:queues:maxPollingInterval"] = "00:00:00.200",
        ["extensions:queues:visibilityTimeout"] = "00:00:00",
    };
}
