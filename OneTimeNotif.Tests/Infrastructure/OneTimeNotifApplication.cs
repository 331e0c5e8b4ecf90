using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using OneTimeNotif.Tokens;
using OneTimeNotif.Webhook;

namespace OneTimeNotif.Tests.Infrastructure;

/// <summary>
/// The standalone host exactly as it ships, on Kestrel over real loopback HTTP, with only what must be swapped:
/// storage endpoints (Azurite), the clock (a <see cref="FakeTimeProvider"/>) and a log sink that keeps everything.
/// </summary>
public sealed class OneTimeNotifApplication : WebApplicationFactory<Program>
{
    public const string AppSecret = "app-secret-5d1e0c7a9b";
    public const string VerifyToken = "verify-token-3f9a2b";
    public const string PageAccessToken = "EAAGpage-access-token-8c2d";

    private readonly Dictionary<string, string?> _settings;

    public OneTimeNotifApplication(string storageConnectionString, IDictionary<string, string?>? overrides = null)
    {
        _settings = new Dictionary<string, string?>
        {
            ["OtnStorage"] = storageConnectionString,
            ["Messenger:AppSecret"] = AppSecret,
            ["Messenger:VerifyToken"] = VerifyToken,
            ["Messenger:GraphApiVersion"] = "v23.0",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
        UseKestrel(0);
    }

    public OneTimeNotifApplication(Azurite azurite, IDictionary<string, string?>? overrides = null)
        : this(azurite.ConnectionString, overrides)
    {
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero));

    public LogCapture Logs { get; } = new();

    public TokenStore Tokens => Services.GetRequiredService<TokenStore>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(_settings));
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Time));
    }

    public Task<HttpResponseMessage> PostWebhookAsync(string json, string? signature = null) =>
        PostWebhookAsync(Encoding.UTF8.GetBytes(json), signature ?? WebhookSignature.Sign(Encoding.UTF8.GetBytes(json), AppSecret));

    public async Task<HttpResponseMessage> PostWebhookAsync(byte[] body, string? signature)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhook") { Content = content };
        if (signature is not null)
        {
            request.Headers.Add(WebhookSignature.HeaderName, signature);
        }
        return await CreateClient().SendAsync(request);
    }

    public async Task<List<StoredToken>> GetTokensAsync(string pageId, string payload, string? psid = null)
    {
        var tokens = new List<StoredToken>();
        await foreach (var token in Tokens.GetTokensAsync(pageId, payload, psid))
        {
            tokens.Add(token);
        }
        return tokens;
    }
}
