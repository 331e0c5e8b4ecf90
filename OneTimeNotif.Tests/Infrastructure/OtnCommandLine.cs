using Microsoft.Extensions.Configuration;
using OneTimeNotif.Cli;
using OneTimeNotif.FakeSendApi;
using Spectre.Console;

namespace OneTimeNotif.Tests.Infrastructure;

/// <summary>
/// The <c>otn</c> command line run in-process through its real entry point (<see cref="OtnCli.RunAsync"/>), with
/// the settings a local run would export, against a real host and its fake Send API, output captured as text.
/// </summary>
internal sealed class OtnCommandLine : IAsyncDisposable
{
    private OtnCommandLine(string page, FakeSendApiServer fake, OneTimeNotifApplication app, string storage)
    {
        Page = page;
        Fake = fake;
        App = app;
        Settings = new Dictionary<string, string?>
        {
            [CliSettings.UrlKey] = app.BaseAddress.ToString(),
            ["Messenger:AppSecret"] = OneTimeNotifApplication.AppSecret,
            ["Api:Key"] = OneTimeNotifApplication.ApiKey,
            ["OtnStorage"] = storage,
            [$"Messenger:Pages:{page}:AccessToken"] = OneTimeNotifApplication.PageAccessToken,
        };
    }

    /// <summary>A Page of its own, so tests sharing one Azurite stay apart.</summary>
    public string Page { get; }
    public FakeSendApiServer Fake { get; }
    public OneTimeNotifApplication App { get; }

    /// <summary>The CLI's environment: the same keys and values the host runs with.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <param name="host">Changes the host's settings (the Page's access token...) before it starts.</param>
    public static async Task<OtnCommandLine> StartAsync(Azurite azurite, Action<string, Dictionary<string, string?>>? host = null)
    {
        var page = MetaEvents.NewId();
        var fake = await FakeSendApiServer.StartAsync(OneTimeNotifApplication.FakeFor(page));
        var settings = OneTimeNotifApplication.Serving(fake, page);
        host?.Invoke(page, settings);
        var app = new OneTimeNotifApplication(azurite, settings);
        app.StartServer();
        return new OtnCommandLine(page, fake, app, azurite.ConnectionString);
    }

    public Task<CliRun> RunAsync(params string[] args) => RunAsync(Settings, App.Time, null, args);

    /// <summary>As on a terminal: interactive, with ANSI codes, so progress is drawn as a live bar.</summary>
    public Task<CliRun> RunOnTerminalAsync(params string[] args) => RunAsync(Settings, App.Time, null, args, terminal: true);

    /// <summary>Runs with the settings changed by <paramref name="change"/> (a wrong key, a missing secret).</summary>
    public Task<CliRun> RunAsync(Action<Dictionary<string, string?>> change, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(change);
        var settings = new Dictionary<string, string?>(Settings);
        change(settings);
        return RunAsync(settings, App.Time, null, args);
    }

    public static Task<CliRun> RunAsync(IReadOnlyDictionary<string, string?> settings, TimeProvider time, HttpMessageHandler? http, params string[] args) =>
        RunAsync(settings, time, http, args, terminal: false);

    private static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string?> settings, TimeProvider time, HttpMessageHandler? http, string[] args, bool terminal)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        // As Program does for redirected output: whole lines, whatever their length.
        console.Profile.Width = 400;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var exitCode = await OtnCli.RunAsync(args, new CliContext(console, error, configuration, time, http));
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Fake.DisposeAsync();
    }
}

internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    /// <summary>Exit 0 with nothing on standard error.</summary>
    public void AssertSucceeded()
    {
        Assert.True(ExitCode == 0, $"exit code {ExitCode}: {Error}{Output}");
        Assert.Empty(Error);
    }

    /// <summary>The CLI's promise on failure: this exit code and one line on standard error that says what is wrong.</summary>
    public string AssertFailedInOneLine(int exitCode, params string[] saying)
    {
        Assert.True(ExitCode == exitCode, $"exit code {ExitCode}, not {exitCode}: {Error}{Output}");
        var line = Assert.Single(Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        foreach (var text in saying)
        {
            Assert.True(line.Contains(text, StringComparison.Ordinal), $"'{text}' is not in: {line}");
        }
        return line;
    }

    /// <summary>The App Secret, the API key, the Page token and the given OTN tokens appear nowhere in the output.</summary>
    public void AssertShowsNoSecret(params IEnumerable<string> tokens)
    {
        foreach (var secret in tokens.Concat([OneTimeNotifApplication.AppSecret, OneTimeNotifApplication.ApiKey, OneTimeNotifApplication.PageAccessToken]))
        {
            Assert.DoesNotContain(secret, Output + Error, StringComparison.Ordinal);
        }
    }

    /// <summary>The cells of the table row whose second column is <paramref name="payload"/>.</summary>
    public IReadOnlyList<string>? TableRow(string payload) => TableRows(payload).FirstOrDefault();

    /// <summary>The cells of every table row whose second column is <paramref name="payload"/> (one per token kind in the stats).</summary>
    public IEnumerable<List<string>> TableRows(string payload) =>
        Output.Split('\n')
            .Select(line => line.Split('│').Select(c => c.Trim()).Where((_, i) => i > 0).ToList())
            .Where(cells => cells.Count > 2)
            .Select(cells => cells[..^1])
            .Where(cells => cells[1] == payload);
}
