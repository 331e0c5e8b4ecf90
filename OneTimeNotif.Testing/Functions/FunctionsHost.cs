using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace OneTimeNotif.Testing.Functions;

/// <summary>
/// Runs a built Azure Functions app (.NET isolated worker) as the Functions host does, for tests of what deploys: the
/// worker is its own process speaking the worker protocol to this host over gRPC (<see cref="FunctionsWorker"/>);
/// HTTP triggers are served on <see cref="Url"/> and forwarded to the worker (<see cref="HttpTriggers"/>); queue and
/// timer triggers run on Microsoft's WebJobs listeners (<see cref="WorkerTriggers"/>).
/// </summary>
/// <remarks>
/// The Functions host itself cannot run on this project's machines (its packages are not public and Core Tools
/// downloads its binary), so this host does what it does with the same public parts: the worker's own protocol
/// description, YARP for forwarding, and Microsoft's WebJobs listeners for the other triggers.
/// </remarks>
public sealed class FunctionsHost : IAsyncDisposable
{
    /// <summary>Enough to scan everything a test run's worker wrote at Trace level.</summary>
    private const int KeptOutputLines = 200_000;

    private readonly HostOutput _output;
    private readonly WebApplication _rpc;
    private readonly FunctionsWorker _worker;
    private readonly WebApplication _front;
    private readonly HttpTriggers _http;
    private readonly IHost? _triggers;

    /// <summary>What the host keeps between trigger runs (the timer's schedule status); deleted with the host.</summary>
    private readonly DirectoryInfo _state;

    private FunctionsHost(HostOutput output, WebApplication rpc, FunctionsWorker worker, WebApplication front, HttpTriggers http, IHost? triggers, DirectoryInfo state, string functionKey)
    {
        _triggers = triggers;
        _state = state;
        _output = output;
        _rpc = rpc;
        _worker = worker;
        _front = front;
        _http = http;
        FunctionKey = functionKey;
        Url = new Uri(front.Urls.First());
    }

    /// <summary>Where the app's HTTP functions answer (routes under <c>/api/</c>), on a free loopback port.</summary>
    public Uri Url { get; }

    /// <summary>The function key (the host's <c>default</c> key) that routes above Anonymous require.</summary>
    public string FunctionKey { get; }

    /// <summary>The functions the worker indexed and loaded.</summary>
    public IReadOnlyList<WorkerFunction> Functions => _worker.Functions;

    /// <summary>What the worker answered to WorkerInitRequest, such as its <c>HttpUri</c>.</summary>
    public IReadOnlyDictionary<string, string> WorkerCapabilities => _worker.Capabilities;

    public int WorkerProcessId => _worker.ProcessId;

    /// <summary>What the worker wrote (standard output and error) and logged over gRPC, and the host's own notes, in order.</summary>
    public IReadOnlyList<string> Output => _output.Recent;

    /// <summary>The first output line, kept or still to come, for which <paramref name="match"/> holds.</summary>
    public Task<string> WaitForOutputAsync(Func<string, bool> match, CancellationToken cancellationToken) =>
        _output.WaitForAsync(match, cancellationToken);

    /// <param name="appDll">The built Functions app's assembly, in its build output beside host.json and functions.metadata.</param>
    /// <param name="appSettings">The app settings, given to the worker as environment variables (<c>__</c> between sections).</param>
    public static async Task<FunctionsHost> StartAsync(string appDll, IReadOnlyDictionary<string, string> appSettings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appSettings);
        if (!File.Exists(appDll))
        {
            throw new InvalidOperationException($"{appDll} is missing: build the Functions app first.");
        }
        var output = new HostOutput(KeptOutputLines);
        var workerId = Guid.NewGuid().ToString();
        var channel = new WorkerChannel(workerId, output.Add);
        var rpc = BuildRpcServer(channel, output);
        await rpc.StartAsync(cancellationToken).ConfigureAwait(false);
        FunctionsWorker? worker = null;
        WebApplication? front = null;
        HttpTriggers? http = null;
        IHost? triggers = null;
        var state = Directory.CreateTempSubdirectory("functions-host-");
        try
        {
            worker = await FunctionsWorker.StartAsync(appDll, new Uri(rpc.Urls.First()), workerId, channel, appSettings, output, cancellationToken)
                .ConfigureAwait(false);
            if (!worker.Capabilities.TryGetValue("HttpUri", out var httpUri))
            {
                throw new InvalidOperationException("The worker reported no HttpUri: build the app with the ASP.NET Core integration (ConfigureFunctionsWebApplication).");
            }
            var functionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(30));
            var builder = EmptyBuilder(output);
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            builder.Services.AddRouting();
            builder.Services.AddHttpForwarder();
            front = builder.Build();
            http = new HttpTriggers(worker, new Uri(httpUri), functionKey, front.Services.GetRequiredService<IHttpForwarder>(), output.Add);
            http.Map(front, worker.Functions);
            await front.StartAsync(cancellationToken).ConfigureAwait(false);
            triggers = WorkerTriggers.Build(worker, Path.GetDirectoryName(Path.GetFullPath(appDll))!, appSettings, state.FullName, output);
            if (triggers is not null)
            {
                await triggers.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            return new FunctionsHost(output, rpc, worker, front, http, triggers, state, functionKey);
        }
        catch
        {
            triggers?.Dispose();
            if (front is not null)
            {
                await front.DisposeAsync().ConfigureAwait(false);
            }
            http?.Dispose();
            if (worker is not null)
            {
                await worker.DisposeAsync().ConfigureAwait(false);
            }
            await rpc.DisposeAsync().ConfigureAwait(false);
            state.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>The gRPC endpoint the worker connects to: HTTP/2 without TLS, on a free loopback port.</summary>
    private static WebApplication BuildRpcServer(WorkerChannel channel, HostOutput output)
    {
        var builder = EmptyBuilder(output);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = null;
            grpc.MaxSendMessageSize = null;
        });
        builder.Services.AddSingleton(channel);
        var app = builder.Build();
        app.MapGrpcService<WorkerChannel>();
        return app;
    }

    /// <summary>
    /// Kestrel with routing and nothing read from the test process's configuration (its appsettings.json or
    /// ASPNETCORE_ variables), so what the test host does depends only on what it is given.
    /// </summary>
    private static WebApplicationBuilder EmptyBuilder(HostOutput output)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Logging.AddProvider(new OutputLoggerProvider(output, LogLevel.Warning));
        return builder;
    }

    public async ValueTask DisposeAsync()
    {
        if (_triggers is not null)
        {
            await _triggers.StopAsync().ConfigureAwait(false);
            _triggers.Dispose();
        }
        await _front.StopAsync().ConfigureAwait(false);
        await _front.DisposeAsync().ConfigureAwait(false);
        _http.Dispose();
        await _worker.DisposeAsync().ConfigureAwait(false);
        await _rpc.StopAsync().ConfigureAwait(false);
        await _rpc.DisposeAsync().ConfigureAwait(false);
        _state.Delete(recursive: true);
    }
}
