using System.Collections.Concurrent;
using System.Diagnostics;

namespace OneTimeNotif.Testing;

/// <summary>
/// The standalone host as a separate process (<c>dotnet OneTimeNotif.Host.dll</c>), configured through environment
/// variables as in production: for what only a real process shows, such as being killed mid-work.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private HostProcess(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    public Uri Url { get; }

    public int Id => _process.Id;

    public static async Task<HostProcess> StartAsync(string hostDll, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken = default)
    {
        var url = new Uri($"http://127.0.0.1:{Azurite.FreePort()}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(hostDll);
        start.Environment["ASPNETCORE_URLS"] = url.ToString();
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        var host = new HostProcess(process, url);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { host._output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { host._output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await host.WaitUntilAnsweringAsync(cancellationToken).ConfigureAwait(false);
        return host;
    }

    /// <summary>Waits until the webhook answers (403 to an empty handshake means the host is up).</summary>
    private async Task WaitUntilAnsweringAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The host exited with code {_process.ExitCode}: {string.Join(Environment.NewLine, _output)}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri("/api/webhook", UriKind.Relative), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
            catch (TaskCanceledException) when (DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Kills the process at once, as a crash or an OOM kill would: no graceful shutdown.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    public long PeakWorkingSet
    {
        get
        {
            _process.Refresh();
            return _process.HasExited ? 0 : _process.PeakWorkingSet64;
        }
    }

    public IReadOnlyCollection<string> Output => _output;

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _process.Dispose();
    }
}
