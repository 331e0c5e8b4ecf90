using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.FakeSendApi;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Tokens;
using OneTimeNotif.Testing.Functions;
using OneTimeNotif.Tests.Infrastructure;
using OneTimeNotif.Webhook;

namespace OneTimeNotif.Tests.Functions;

/// <summary>
/// The built Functions app (OneTimeNotif.Functions) running under the Functions test host, started once for every
/// scenario test (the worker's start is the slow part), with its own Azurite on disk (a test can stop storage and
/// bring it back without losing data) and a fake Send API serving <see cref="Pages"/>. Tests keep apart by payloads
/// and job ids of their own.
/// </summary>
public sealed class FunctionsAppFixture : IAsyncLifetime
{
    public const string PurgeSchedule = "*/2 * * * * *";

    private Azurite? _azurite;
    private FakeSendApiServer? _fake;
    private FunctionsHost? _host;
    private ServiceProvider? _library;

    /// <summary>Pages the app serves (each has an access token and the fake accepts sends for it).</summary>
    public IReadOnlyList<string> Pages { get; } = [MetaEvents.NewId(), MetaEvents.NewId()];

    public Azurite Azurite => _azurite ?? throw new InvalidOperationException("Not started.");
    public FakeSendApiServer Fake => _fake ?? throw new InvalidOperationException("Not started.");
    public FunctionsHost Host => _host ?? throw new InvalidOperationException("Not started.");

    /// <summary>The library on the same storage and settings, for what a test checks in storage (tokens, queues, jobs).</summary>
    public IServiceProvider Library => _library ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync(onDisk: true);
        _fake = await FakeSendApiServer.StartAsync(OneTimeNotifApplication.FakeFor([.. Pages]));
        var settings = AppSettings();
        _library = new ServiceCollection()
            .AddLogging()
            .AddOneTimeNotif(new ConfigurationBuilder()
                .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key.Replace("__", ":", StringComparison.Ordinal), (string?)s.Value)))
                .Build())
            .BuildServiceProvider();
        // The queue exists before any service enqueues to it, as in a deployment.
        await Queue.Queue.CreateIfNotExistsAsync();
        _host = await FunctionsHost.StartAsync(AppPath(), settings);
    }

    /// <summary>The app settings, as a Function App's configuration holds them.</summary>
    private Dictionary<string, string> AppSettings()
    {
        var settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = Azurite.ConnectionString,
            ["OtnStorage"] = Azurite.ConnectionString,
            ["Messenger__GraphBaseUrl"] = Fake.BaseUrl.ToString(),
            ["PurgeSchedule"] = PurgeSchedule,
        };
        // App settings are environment variables here: ':' is written '__', and host.json is overridden under
        // AzureFunctionsJobHost__, as on Azure.
        foreach (var (key, value) in TestHostSettings.App())
        {
            settings[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        }
        foreach (var (key, value) in TestHostSettings.HostJson())
        {
            settings["AzureFunctionsJobHost__" + key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        }
        foreach (var page in Pages)
        {
            settings[$"Messenger__Pages__{page}__AccessToken"] = OneTimeNotifApplication.PageAccessToken;
        }
        return settings;
    }

    private static string AppPath() =>
        typeof(FunctionsAppFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "FunctionsApp").Value
        ?? throw new InvalidOperationException("The test build did not record where the Functions app is.");

    public HttpClient CreateClient() => new() { BaseAddress = Host.Url };

    public HttpClient CreateKeyedClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add(OneTimeNotif.Http.FunctionKey.HeaderName, Host.FunctionKey);
        return client;
    }

    public async Task<HttpResponseMessage> PostWebhookAsync(string json, string? signature = null)
    {
        var body = Encoding.UTF8.GetBytes(json);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhook") { Content = content };
        request.Headers.Add(WebhookSignature.HeaderName, signature ?? WebhookSignature.Sign(body, OneTimeNotifApplication.AppSecret));
        using var client = CreateClient();
        return await client.SendAsync(request);
    }

    /// <summary>Opt-ins through the app's webhook; returns each user's token.</summary>
    public async Task<Dictionary<string, string>> OptInAsync(string pageId, string payload, IEnumerable<string> psids, DateTimeOffset? at = null)
    {
        var tokens = psids.ToDictionary(p => p, _ => MetaEvents.NewToken());
        var when = at ?? DateTimeOffset.UtcNow.AddDays(-1);
        var body = MetaEvents.Envelope(MetaEvents.Entry(pageId, [.. tokens.Select(t => MetaEvents.OptIn(pageId, t.Key, payload, t.Value, when))]));
        (await PostWebhookAsync(body)).EnsureSuccessStatusCode();
        return tokens;
    }

    public async Task<List<StoredToken>> GetTokensAsync(string pageId, string payload)
    {
        var tokens = new List<StoredToken>();
        await foreach (var token in Library.GetRequiredService<TokenStore>().GetTokensAsync(pageId, payload))
        {
            tokens.Add(token);
        }
        return tokens;
    }

    public FollowUpQueueClient Queue => Library.GetRequiredService<FollowUpQueueClient>();

    /// <summary>Waits until the job, read through the app's status function, is completed or stopped.</summary>
    public async Task<FollowUpStatus> WaitForJobAsync(string jobId, TimeSpan? timeout = null)
    {
        using var client = CreateKeyedClient();
        var status = await Poll.UntilAsync(
            async () =>
            {
                var response = await client.GetAsync($"/api/followups/{Uri.EscapeDataString(jobId)}");
                return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<FollowUpStatus>() : null;
            },
            status => status is { State: JobState.Completed or JobState.Stopped },
            timeout ?? TimeSpan.FromSeconds(60),
            status => $"job {jobId}: {status}{Environment.NewLine}{string.Join(Environment.NewLine, Host.Output.TakeLast(40))}");
        return status!;
    }

    public async Task DisposeAsync()
    {
        if (_library is not null)
        {
            await _library.DisposeAsync();
        }
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        if (_fake is not null)
        {
            await _fake.DisposeAsync();
        }
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class UsesFunctionsApp : ICollectionFixture<FunctionsAppFixture>
{
    public const string Name = "Functions app";
}
