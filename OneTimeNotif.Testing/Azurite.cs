using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OneTimeNotif.Testing;

/// <summary>
/// A real Azurite (from the repository's npm install) on free loopback ports, in memory, for the test run.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development key; it is public and only opens the local emulator.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string[] _arguments;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();
    private Process _process;

    private Azurite(string[] arguments, int blobPort, int queuePort, int tablePort)
    {
        _arguments = arguments;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
        _process = Launch();
    }

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }

    public string ConnectionString => ConnectionStringFor(BlobPort, QueuePort, TablePort);

    /// <summary>Whether Azurite has stopped, and what it printed: a run that lost its storage says why.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The node process, for benchmarks that measure the CPU time storage itself used.</summary>
    public int ProcessId => _process.Id;

    public IEnumerable<string> Output => _output;

    public static string ConnectionStringFor(int blobPort, int queuePort, int tablePort) =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort}/{AccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{queuePort}/{AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{tablePort}/{AccountName};";

    /// <param name="onDisk">
    /// Keep the data in a temporary folder instead of memory, so that it survives <see cref="StopAsync"/> and
    /// <see cref="RestartAsync"/> (an outage, not a wipe).
    /// </param>
    public static async Task<Azurite> StartAsync(bool onDisk = false)
    {
        var script = Path.Combine(RepositoryRoot(), "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed at {script}; run ./test.sh, which runs npm ci first.");
        }
        // A port found free can be taken by another process (a parallel test's Azurite or host) before Azurite
        // binds it; such a lost race is retried on fresh ports, any other failure is not.
        for (var attempt = 1; ; attempt++)
        {
            var azurite = OnFreePorts(script, onDisk);
            try
            {
                await azurite.WaitUntilListeningAsync();
                return azurite;
            }
            catch (AzuriteExitedException e) when (attempt < 3 && e.LostPortRace)
            {
                await azurite.DisposeAsync();
            }
        }
    }

    private static Azurite OnFreePorts(string script, bool onDisk)
    {
        var (blob, queue, table) = ThreeFreePorts();
        string[] storage = onDisk
            ? ["--location", Directory.CreateTempSubdirectory("azurite-").FullName]
            : ["--inMemoryPersistence"];
        string[] arguments =
        [
            script, .. storage, "--skipApiVersionCheck", "--disableTelemetry", "--silent",
            "--blobHost", "127.0.0.1", "--blobPort", $"{blob}",
            "--queueHost", "127.0.0.1", "--queuePort", $"{queue}",
            "--tableHost", "127.0.0.1", "--tablePort", $"{table}",
        ];
        return new Azurite(arguments, blob, queue, table);
    }

    /// <summary>
    /// Storage goes away: its ports refuse connections. Azurite is asked to stop (SIGTERM) so that an on-disk store
    /// is flushed, as a real outage keeps data; only a process that does not stop in time is killed.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }
        using (var terminate = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await terminate.WaitForExitAsync();
        }
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await _process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>Storage comes back on the same ports (with its data, when started on disk).</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        _process.Dispose();
        _process = Launch();
        await WaitUntilListeningAsync();
    }

    private Process Launch()
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in _arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>A loopback port nobody listens on: storage that is down.</summary>
    public static int FreePort()
    {
        using var listener = Listen();
        return Port(listener);
    }

    /// <summary>Three distinct free ports: all three are held open while choosing, so the system cannot hand one out twice.</summary>
    private static (int Blob, int Queue, int Table) ThreeFreePorts()
    {
        using TcpListener blob = Listen(), queue = Listen(), table = Listen();
        return (Port(blob), Port(queue), Port(table));
    }

    private static TcpListener Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }

    private static int Port(TcpListener listener) => ((IPEndPoint)listener.LocalEndpoint).Port;

    private async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var port in new[] { BlobPort, QueuePort, TablePort })
        {
            while (true)
            {
                if (_process.HasExited)
                {
                    throw new AzuriteExitedException(_process.ExitCode, [.. _output]);
                }
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port);
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }
        }
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "package.json")) && File.Exists(Path.Combine(dir.FullName, "global.json")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Could not find the repository root above " + AppContext.BaseDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }
}
