using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using OneTimeNotif.Testing;

namespace OneTimeNotif.Benchmarks.Running;

/// <summary>
/// The standalone host as shipped (<c>dotnet OneTimeNotif.Host.dll</c>) in a child process of its own, configured
/// only through environment variables, so its working set is measured apart from the load it serves.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private const string HostAssembly = "OneTimeNotif.Host.dll";
    private const int KeptOutputLines = 50;

    /// <summary>Inherited settings that would change what is measured; the benchmark sets its own.</summary>
    private static readonly string[] ClearedPrefixes =
        ["Messenger__", "OtnStorage", "Api__", "SendApi__", "FollowUps__", "Webhook__", "extensions__", "ASPNETCORE_", "Logging__"];

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;
    private int _outputLines;

    private HostProcess(Process process, Uri baseAddress, ConcurrentQueue<string> output)
    {
        _process = process;
        _output = output;
        BaseAddress = baseAddress;
        WorkingSet = new WorkingSetSampler(process);
        Client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = baseAddress,
            // Meta gives up on a webhook call after 20 s; nothing here should take longer.
            Timeout = TimeSpan.FromSeconds(20),
        };
    }

    public Uri BaseAddress { get; }

    /// <summary>A client for the host's routes, pooled for many concurrent senders.</summary>
    public HttpClient Client { get; }

    public WorkingSetSampler WorkingSet { get; }

    public int ProcessId => _process.Id;

    /// <summary>How many lines the host wrote (warnings and errors only: it logs at Warning).</summary>
    public int OutputLines => Volatile.Read(ref _outputLines);

    public IEnumerable<string> RecentOutput => _output;

    /// <summary>Warnings are part of the result: a throttled or failing dependency shows there first.</summary>
    public void WriteOutputSummary(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (OutputLines == 0)
        {
            return;
        }
        output.WriteLine($"  the host logged {OutputLines} warning/error line(s); the last ones:");
        foreach (var line in _output.TakeLast(10))
        {
            output.WriteLine($"    {line}");
        }
    }

    /// <param name="settings">Environment variables for the host (configuration keys with <c>__</c>).</param>
    public static async Task<HostProcess> StartAsync(IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var assembly = Path.Combine(AppContext.BaseDirectory, HostAssembly);
        if (!File.Exists(assembly))
        {
            throw new InvalidOperationException($"{assembly} is missing: OneTimeNotif.Benchmarks references OneTimeNotif.Host so that the build copies it here.");
        }
        var port = Azurite.FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { assembly },
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in start.Environment.Keys.Where(k => ClearedPrefixes.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        var output = new ConcurrentQueue<string>();
        var host = new HostProcess(process, baseAddress, output);
        process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await host.WaitUntilReadyAsync(cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        Interlocked.Increment(ref _outputLines);
        _output.Enqueue(line);
        while (_output.Count > KeptOutputLines && _output.TryDequeue(out _))
        {
        }
    }

    /// <summary>Ready once the webhook answers Meta's handshake; the start-up validation has passed by then.</summary>
    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var handshake = $"api/webhook?hub.mode=subscribe&hub.verify_token={LocalSecrets.VerifyToken}&hub.challenge=ready";
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The host exited with code {_process.ExitCode} while starting:{Environment.NewLine}{string.Join(Environment.NewLine, _output)}");
            }
            try
            {
                using var response = await Client.GetAsync(handshake, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                // Not listening yet.
            }
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"The host did not answer within 60 s:{Environment.NewLine}{string.Join(Environment.NewLine, _output)}");
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await WorkingSet.DisposeAsync();
        Client.Dispose();
        if (!_process.HasExited)
        {
            // Nothing to flush: storage is an in-memory Azurite that is discarded with the run.
            _process.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        _process.Dispose();
    }
}
