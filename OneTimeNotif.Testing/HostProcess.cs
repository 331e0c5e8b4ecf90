using System.Diagnostics;

namespace OneTimeNotif.Testing;

/// <summary>
/// The standalone host as a separate process (<c>dotnet OneTimeNotif.Host.dll</c>), configured only through
/// environment variables, as in production: for what only a real process shows, such as being killed mid-work, and
/// for benchmarks that measure the host's memory and CPU apart from the load they put on it.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    /// <summary>The host's assembly; a project that references OneTimeNotif.Host gets it copied into its own output.</summary>
    public const string HostAssembly = "OneTimeNotif.Host.dll";

    /// <summary>Enough for a failed start-up's story; a host that logs for a long run must not fill this process's memory.</summary>
    private const int KeptOutputLines = 200;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly HostOutput _output;

    private HostProcess(Process process, HostOutput output, Uri url)
    {
        _process = process;
        _output = output;
        Url = url;
    }

    /// <summary>The host's base address, on a free loopback port.</summary>
    public Uri Url { get; }

    public int ProcessId => _process.Id;

    /// <summary>The last lines the host wrote (standard output and error, as they came).</summary>
    public IReadOnlyList<string> Output => _output.Recent;

    /// <summary>Each line the host writes from now on, as it comes (on the output reader's thread: keep the handler short).</summary>
    public event Action<string>? LineWritten
    {
        add => _output.LineAdded += value;
        remove => _output.LineAdded -= value;
    }

    /// <summary>How many lines the host wrote in all, including those no longer kept in <see cref="Output"/>.</summary>
    public int OutputLineCount => _output.Lines;

    /// <param name="hostDll">The path of <see cref="HostAssembly"/>; its folder is the host's working directory.</param>
    /// <param name="environment">Configuration as environment variables (<c>__</c> between sections); <c>ASPNETCORE_URLS</c> is set here.</param>
    public static async Task<HostProcess> StartAsync(string hostDll, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!File.Exists(hostDll))
        {
            throw new InvalidOperationException($"{hostDll} is missing: a project that starts the host references OneTimeNotif.Host, so that the build copies it there.");
        }
        var url = new Uri($"http://127.0.0.1:{Azurite.FreePort()}/");
        var output = new HostOutput(KeptOutputLines);
        var settings = new Dictionary<string, string>(environment) { ["ASPNETCORE_URLS"] = url.GetLeftPart(UriPartial.Authority) };
        var host = new HostProcess(DotnetProcess.Start(hostDll, [], settings, output), output, url);
        try
        {
            await host.WaitUntilAnsweringAsync(cancellationToken).ConfigureAwait(false);
            return host;
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The first line the host writes, or has written among those still kept, for which <paramref name="match"/> holds:
    /// for waiting on a log event. Bound it with <paramref name="cancellationToken"/>; a host that exits never writes it.
    /// </summary>
    public Task<string> WaitForOutputAsync(Func<string, bool> match, CancellationToken cancellationToken) =>
        _output.WaitForAsync(match, cancellationToken);

    /// <summary>
    /// Ready once the host answers HTTP at all: Kestrel starts listening only after the start-up validation has
    /// passed, so a host with a bad setting exits instead. The probe asks for the root, where no route is mapped: a
    /// quiet 404, where the webhook would log a refused verification as a warning in every host's output.
    /// </summary>
    private async Task WaitUntilAnsweringAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The host exited with code {_process.ExitCode} while starting:{Environment.NewLine}{string.Join(Environment.NewLine, Output)}");
            }
            if (deadline.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"The host did not answer within {StartTimeout.TotalSeconds:0} s:{Environment.NewLine}{string.Join(Environment.NewLine, Output)}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri("/", UriKind.Relative), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Listening, but too busy starting to answer within the request's timeout.
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Kills the process (and any child) at once, as a crash or an OOM kill would: no graceful shutdown.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Nothing to flush: whatever a test or benchmark needs is in storage, which outlives the host.
        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await KillAsync(patience.Token).ConfigureAwait(false);
        }
        _process.Dispose();
    }
}
