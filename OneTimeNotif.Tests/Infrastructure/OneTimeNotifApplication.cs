using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using OneTimeNotif.FakeSendApi;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Host;
using OneTimeNotif.Host.Scheduling;
using OneTimeNotif.OptInRequests;
using OneTimeNotif.Purge;
using OneTimeNotif.Tokens;
using OneTimeNotif.Webhook;

namespace OneTimeNotif.Tests.Infrastructure;

/// <summary>
/// The standalone host exactly as it ships (<see cref="StandaloneHost.Build"/>), on Kestrel over real loopback
/// HTTP, with only what must be swapped: storage endpoints (Azurite), the clock (a <see cref="FakeTimeProvider"/>)
/// and a log sink that keeps everything. Started on first use. Given <see cref="SendApiPages"/>, it also starts the
/// fake Send API those Pages send to, and stops it with the host.
/// </summary>
/// <remarks>
/// Not a WebApplicationFactory: its entry-point interception raced between test classes starting hosts in parallel
/// on a loaded machine ("Addresses cannot be modified after the server has started"). Building the host directly
/// is deterministic and exercises the same code <c>Program</c> runs.
/// </remarks>
public sealed class OneTimeNotifApplication : IAsyncDisposable
{
    public const string AppSecret = "app-secret-5d1e0c7a9b";
    public const string VerifyToken = "verify-token-3f9a2b";
    public const string PageAccessToken = "EAAGpage-access-token-8c2d";
    public const string ApiKey = "api-key-for-tests-4b7e19";
    public const string AppId = "1029384756";

    private readonly Dictionary<string, string?> _settings;
    private readonly SemaphoreSlim _start = new(1, 1);
    private readonly HttpMessageHandler _handler = new SocketsHttpHandler();
    private WebApplication? _app;
    private Uri? _baseAddress;
    private FakeSendApiServer? _sendApi;

    public OneTimeNotifApplication(string storageConnectionString, IDictionary<string, string?>? overrides = null)
    {
        _settings = new Dictionary<string, string?>(TestHostSettings.App().Concat(TestHostSettings.HostJson()))
        {
            ["OtnStorage"] = storageConnectionString,
            ["Api:Key"] = ApiKey,
            // A segment with deferred users looks again this often, so a test that moves the clock sees them served.
            ["FollowUps:MaxDeferralWait"] = "00:00:00.200",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public OneTimeNotifApplication(Azurite azurite, IDictionary<string, string?>? overrides = null)
        : this(azurite.ConnectionString, overrides)
    {
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero));

    /// <summary>Run on the real clock instead of <see cref="Time"/> (the scheduler's real-time test).</summary>
    public bool UsesSystemClock { get; init; }

    /// <summary>
    /// Leave the host's purge timer out, for tests that run the purge themselves and move <see cref="Time"/> across
    /// days: a scheduled run on the same clock would race them.
    /// </summary>
    public bool WithoutPurgeScheduler { get; init; }

    public LogCapture Logs { get; } = new();

    /// <summary>The host's Table Storage calls: entities read, and faults a test injects.</summary>
    public StorageTraffic Storage { get; } = new();

    /// <summary>The Pages this host serves through its own fake Send API (<see cref="SendApi"/>), started with it.</summary>
    public IReadOnlyList<string> SendApiPages { get; init; } = [];

    /// <summary>How a test makes its owned fake Send API behave otherwise than <see cref="FakeFor"/> does.</summary>
    public Action<FakeSendApiOptions>? ConfigureSendApi { get; init; }

    /// <summary>The fake Send API this host owns (see <see cref="SendApiPages"/>); starts the host if need be.</summary>
    public FakeSendApiServer SendApi
    {
        get
        {
            Started();
            return _sendApi ?? throw new InvalidOperationException("This host was given no SendApiPages: it owns no fake Send API.");
        }
    }

    public IServiceProvider Services => Started().Services;

    public TokenStore Tokens => Services.GetRequiredService<TokenStore>();

    /// <summary>Where the host listens, as a client (the CLI, a script) would be told.</summary>
    public Uri BaseAddress
    {
        get
        {
            Started();
            return _baseAddress!;
        }
    }

    /// <summary>Starts the host now; start-up failures (invalid options) surface here.</summary>
    public void StartServer() => Started();

    public HttpClient CreateClient()
    {
        Started();
        return new HttpClient(_handler, disposeHandler: false) { BaseAddress = _baseAddress };
    }

    private WebApplication Started()
    {
        if (_app is null)
        {
            // Off the test's synchronization context, so blocking on the start cannot deadlock.
            Task.Run(StartAsync).GetAwaiter().GetResult();
        }
        return _app!;
    }

    private async Task StartAsync()
    {
        await _start.WaitAsync();
        try
        {
            if (_app is not null)
            {
                return;
            }
            await StartSendApiAsync();
            var app = StandaloneHost.Build([], builder =>
            {
                builder.WebHost.UseUrls("http://127.0.0.1:0");
                builder.Configuration.AddInMemoryCollection(_settings);
                builder.Logging.AddProvider(Logs);
                builder.Services.AddSingleton<TimeProvider>(UsesSystemClock ? TimeProvider.System : Time);
                if (_settings.GetValueOrDefault("OtnStorage") is { Length: > 0 } storage)
                {
                    builder.Services.AddSingleton(Storage.CreateClient(storage));
                }
                if (WithoutPurgeScheduler)
                {
                    builder.Services.Remove(builder.Services.Single(d => d.ImplementationType == typeof(PurgeScheduler)));
                }
            });
            try
            {
                await app.StartAsync();
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }
            _baseAddress = new Uri(app.Urls.First());
            _app = app;
        }
        finally
        {
            _start.Release();
        }
    }

    /// <summary>The owned fake starts first; settings the test passed itself still win over the ones pointing at it.</summary>
    private async Task StartSendApiAsync()
    {
        if (SendApiPages.Count == 0 || _sendApi is not null)
        {
            return;
        }
        var options = FakeFor([.. SendApiPages]);
        ConfigureSendApi?.Invoke(options);
        _sendApi = await FakeSendApiServer.StartAsync(options);
        foreach (var (key, value) in Serving(_sendApi, [.. SendApiPages]))
        {
            _settings.TryAdd(key, value);
        }
    }

    /// <summary>
    /// Stops the host and starts it again with <paramref name="changes"/> applied to its settings, as an operator who
    /// fixes a setting and redeploys: storage, the clock, the logs and the owned fake Send API (with what it recorded)
    /// carry over.
    /// </summary>
    public async Task RestartAsync(IDictionary<string, string?>? changes = null)
    {
        await StopHostAsync();
        foreach (var (key, value) in changes ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
        StartServer();
    }

    private async Task StopHostAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
            _baseAddress = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopHostAsync();
        if (_sendApi is not null)
        {
            await _sendApi.DisposeAsync();
        }
        _handler.Dispose();
        _start.Dispose();
    }

    /// <summary>Settings that point the host at a fake Send API serving <paramref name="pages"/>.</summary>
    public static Dictionary<string, string?> Serving(FakeSendApiServer fake, params string[] pages)
    {
        var settings = new Dictionary<string, string?> { ["Messenger:GraphBaseUrl"] = fake.BaseUrl.ToString() };
        foreach (var page in pages)
        {
            settings[$"Messenger:Pages:{page}:AccessToken"] = PageAccessToken;
        }
        return settings;
    }

    public static FakeSendApiOptions FakeFor(params string[] pages) => new()
    {
        AppSecret = AppSecret,
        AppId = AppId,
        PageTokens = pages.ToDictionary(p => p, _ => PageAccessToken),
    };

    public Task<PurgeReport> PurgeAsync(CancellationToken cancellationToken = default) =>
        Services.GetRequiredService<RetentionPurge>().RunAsync(cancellationToken);

    public async Task<HttpResponseMessage> PostOptInRequestAsync(System.Text.Json.Nodes.JsonObject body, bool withKey = true)
    {
        var client = withKey ? CreateKeyedClient() : CreateClient();
        return await client.PostAsync(OptInRequestEndpoints.Route, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
    }

    /// <summary>Waits until a log entry with <paramref name="eventId"/> matches (or fails the test after <paramref name="timeout"/>).</summary>
    public async Task<CapturedLog> WaitForLogAsync(int eventId, Func<CapturedLog, bool>? match = null, TimeSpan? timeout = null) =>
        (await Poll.UntilAsync(
            () => Task.FromResult(Logs.Entries.FirstOrDefault(l => l.EventId.Id == eventId && (match is null || match(l)))),
            found => found is not null,
            timeout,
            _ => $"no log event {eventId}.{Environment.NewLine}{RecentProblems()}"))!;

    private string RecentProblems() => string.Join(Environment.NewLine,
        Logs.Entries.Where(l => l.Level is >= LogLevel.Warning and < LogLevel.None).Select(l => $"{l.Category}: {l.Text}").TakeLast(20));

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

    public HttpClient CreateKeyedClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("x-functions-key", ApiKey);
        return client;
    }

    /// <summary>Opt-ins through the real webhook; returns each user's token.</summary>
    public async Task<Dictionary<string, string>> OptInAsync(string pageId, string payload, IEnumerable<string> psids, DateTimeOffset? at = null)
    {
        var tokens = psids.ToDictionary(p => p, _ => MetaEvents.NewToken());
        var when = at ?? Time.GetUtcNow().AddDays(-1);
        var body = MetaEvents.Envelope(MetaEvents.Entry(pageId, [.. tokens.Select(t => MetaEvents.OptIn(pageId, t.Key, payload, t.Value, when))]));
        var response = await PostWebhookAsync(body);
        response.EnsureSuccessStatusCode();
        return tokens;
    }

    /// <summary>Recurring (<c>notification_messages</c>) opt-ins through the real webhook; returns each user's token.</summary>
    public async Task<Dictionary<string, string>> RecurringOptInAsync(string pageId, string payload, IEnumerable<string> psids, DateTimeOffset? at = null)
    {
        var tokens = psids.ToDictionary(p => p, _ => MetaEvents.NewRecurringToken());
        var when = at ?? Time.GetUtcNow().AddDays(-1);
        var body = MetaEvents.Envelope(MetaEvents.Entry(pageId, [.. tokens.Select(t => MetaEvents.RecurringOptIn(pageId, t.Key, payload, t.Value, when))]));
        (await PostWebhookAsync(body)).EnsureSuccessStatusCode();
        return tokens;
    }

    /// <summary>A stop (<c>STOP_NOTIFICATIONS</c>) or resume (<c>RESUME_NOTIFICATIONS</c>) of a recurring token, as Meta posts it.</summary>
    public async Task RecurringStatusAsync(string pageId, string psid, string payload, string token, string status, DateTimeOffset at) =>
        (await PostWebhookAsync(MetaEvents.Envelope(MetaEvents.Entry(pageId, MetaEvents.RecurringOptIn(pageId, psid, payload, token, at, status))))).EnsureSuccessStatusCode();

    public async Task<HttpResponseMessage> SubmitFollowUpAsync(string json) =>
        await CreateKeyedClient().PostAsync("/api/followups", new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary><c>DELETE /api/followups/{jobId}</c>.</summary>
    public async Task<HttpResponseMessage> CancelFollowUpAsync(string jobId) =>
        await CreateKeyedClient().DeleteAsync($"/api/followups/{Uri.EscapeDataString(jobId)}");

    public async Task<FollowUpStatus?> GetFollowUpStatusAsync(string jobId)
    {
        var response = await CreateKeyedClient().GetAsync($"/api/followups/{Uri.EscapeDataString(jobId)}");
        return response.StatusCode == System.Net.HttpStatusCode.NotFound
            ? null
            : await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<FollowUpStatus>();
    }

    /// <summary>Waits until the job is completed, stopped or cancelled (or fails the test after <paramref name="timeout"/>).</summary>
    public Task<FollowUpStatus> WaitForJobAsync(string jobId, TimeSpan? timeout = null) =>
        WaitForJobAsync(jobId, status => status.State is JobState.Completed or JobState.Stopped or JobState.Cancelled, timeout);

    /// <summary>Waits until the job's status satisfies <paramref name="until"/> (or fails the test after <paramref name="timeout"/>).</summary>
    public async Task<FollowUpStatus> WaitForJobAsync(string jobId, Func<FollowUpStatus, bool> until, TimeSpan? timeout = null) =>
        (await Poll.UntilAsync(
            () => GetFollowUpStatusAsync(jobId),
            status => status is not null && until(status),
            timeout ?? TimeSpan.FromSeconds(30),
            status => $"job {jobId} did not reach the state awaited: {status}{Environment.NewLine}{RecentProblems()}",
            interval: TimeSpan.FromMilliseconds(100)))!;

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
