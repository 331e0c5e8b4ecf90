using OneTimeNotif.Testing;

namespace OneTimeNotif.Benchmarks.Running;

/// <summary>
/// The standalone host as the benchmark drives it: <see cref="HostProcess"/> (the shipped <c>OneTimeNotif.Host.dll</c>
/// in a child process of its own, so its working set and CPU time are its own), plus what only a benchmark needs:
/// a client pooled for many concurrent senders, a working-set sampler, and a summary of what the host logged.
/// </summary>
internal sealed class BenchmarkHost : IAsyncDisposable
{
    private BenchmarkHost(HostProcess process)
    {
        Process = process;
        WorkingSet = new WorkingSetSampler(process.ProcessId);
        Client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = process.Url,
            // Meta gives up on a webhook call after 20 s; nothing here should take longer.
            Timeout = TimeSpan.FromSeconds(20),
        };
    }

    public HostProcess Process { get; }

    /// <summary>A client for the host's routes, pooled for many concurrent senders.</summary>
    public HttpClient Client { get; }

    public WorkingSetSampler WorkingSet { get; }

    public int ProcessId => Process.ProcessId;

    /// <summary>Warnings are part of the result: a throttled or failing dependency shows there first.</summary>
    public void WriteOutputSummary(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (Process.OutputLineCount == 0)
        {
            return;
        }
        // Phases start the host at Warning (BenchmarkRun.StartHostAsync), so whatever it wrote is a warning or an error.
        output.WriteLine($"  the host logged {Process.OutputLineCount} warning/error line(s); the last ones:");
        foreach (var line in Process.Output.TakeLast(10))
        {
            output.WriteLine($"    {line}");
        }
    }

    /// <param name="settings">Environment variables for the host (configuration keys with <c>__</c>).</param>
    public static async Task<BenchmarkHost> StartAsync(IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var process = await HostProcess.StartAsync(Path.Combine(AppContext.BaseDirectory, HostProcess.HostAssembly), settings, cancellationToken);
        try
        {
            return new BenchmarkHost(process);
        }
        catch
        {
            // The host exited before the sampler could open it: it must not outlive the benchmark.
            await process.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await WorkingSet.DisposeAsync();
        Client.Dispose();
        await Process.DisposeAsync();
    }
}
