using System.Net.Http.Json;
using System.Text;
using OneTimeNotif.FakeSendApi;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Testing;
using OneTimeNotif.Webhook;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Infrastructure;

/// <summary>
/// Standalone hosts as separate processes (<see cref="HostProcess"/>) on one storage account, one queue and one fake
/// Send API: what several instances of the app do together, and what a killed one leaves behind.
/// </summary>
public static class HostProcesses
{
    public static string HostDll => Path.Combine(AppContext.BaseDirectory, HostProcess.HostAssembly);

    /// <summary>The hosts' environment: the Page served through <paramref name="fake"/>, quick queue polling, warnings only.</summary>
    public static Dictionary<string, string> Environment(string storageConnectionString, FakeSendApiServer fake, string page, IReadOnlyDictionary<string, string>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(fake);
        // The suite's one list of app settings, less its Trace logging: a child process logs warnings only.
        var environment = TestHostSettings.App()
            .Where(setting => !setting.Key.StartsWith("Logging:", StringComparison.Ordinal))
            .ToDictionary(setting => setting.Key.Replace(":", "__", StringComparison.Ordinal), setting => setting.Value!);
        environment["OtnStorage"] = storageConnectionString;
        environment["Messenger__GraphBaseUrl"] = fake.BaseUrl.ToString();
        environment[$"Messenger__Pages__{page}__AccessToken"] = OneTimeNotifApplication.PageAccessToken;
        environment["Api__Key"] = OneTimeNotifApplication.ApiKey;
        environment["FollowUps__SegmentSize"] = "50";
        environment["extensions__queues__maxPollingInterval"] = "00:00:00.500";
        environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        return environment;
    }

    public static async Task<HostProcess[]> StartAsync(int count, IReadOnlyDictionary<string, string> environment) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(_ => HostProcess.StartAsync(HostDll, environment)));

    public static HttpClient Client(HostProcess host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var client = new HttpClient { BaseAddress = host.Url };
        client.DefaultRequestHeaders.Add("x-functions-key", OneTimeNotifApplication.ApiKey);
        return client;
    }

    /// <summary>Opts <paramref name="users"/> new users in on (page, payload) through the host's webhook, 50 to a POST; returns their tokens.</summary>
    public static async Task<List<string>> OptInAsync(HttpClient host, string page, string payload, int users)
    {
        ArgumentNullException.ThrowIfNull(host);
        var tokens = new List<string>();
        for (var done = 0; done < users; done += 50)
        {
            var optIns = Enumerable.Range(0, Math.Min(50, users - done)).Select(_ => (Psid: NewId(), Token: NewToken())).ToList();
            tokens.AddRange(optIns.Select(o => o.Token));
            var body = Encoding.UTF8.GetBytes(Envelope(Entry(page, [.. optIns.Select(o => OptIn(page, o.Psid, payload, o.Token, DateTimeOffset.UtcNow.AddDays(-1)))])));
            using var content = new ByteArrayContent(body);
            content.Headers.Add(WebhookSignature.HeaderName, WebhookSignature.Sign(body, OneTimeNotifApplication.AppSecret));
            (await host.PostAsync(new Uri("/api/webhook", UriKind.Relative), content)).EnsureSuccessStatusCode();
        }
        return tokens;
    }

    public static async Task SubmitAsync(HttpClient host, string jobJson)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var job = new StringContent(jobJson, Encoding.UTF8, "application/json");
        (await host.PostAsync(new Uri("/api/followups", UriKind.Relative), job)).EnsureSuccessStatusCode();
    }

    public static Task<FollowUpStatus?> StatusAsync(HttpClient host, string jobId)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.GetFromJsonAsync<FollowUpStatus>(new Uri($"/api/followups/{Uri.EscapeDataString(jobId)}", UriKind.Relative));
    }
}
