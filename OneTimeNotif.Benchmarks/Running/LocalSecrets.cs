using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;
using OneTimeNotif.Privacy;

namespace OneTimeNotif.Benchmarks.Running;

/// <summary>Made-up credentials shared by the host, the fake Send API and the benchmark's clients; they open nothing real.</summary>
internal static class LocalSecrets
{
    public const string AppSecret = "bench-app-secret-7c41d2";
    public const string VerifyToken = "bench-verify-token-19ae";
    public const string ApiKey = "bench-api-key-0f6b83e5a2";
    public const string PageAccessToken = "EAAGbench-page-token-52d9";
    public const string GraphApiVersion = "v23.0";

    /// <summary>The host's user key (derived from the App Secret), for tokens the benchmark seeds directly.</summary>
    public static UserKey UserKey { get; } = new(Options.Create(new PrivacyOptions()), Options.Create(new MessengerOptions { AppSecret = AppSecret }));
}
