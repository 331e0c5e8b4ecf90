using System.Diagnostics;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Azure.Functions.Worker.Grpc.Messages;

namespace OneTimeNotif.Testing.Functions;

/// <summary>
/// The worker process and the host's side of its start-up, as the Functions host runs it: <c>dotnet App.dll</c> with
/// the <c>--functions-*</c> arguments and the app settings as environment variables; then, on the stream the worker
/// opens, <c>WorkerInitRequest</c>, <c>FunctionsMetadataRequest</c> (the worker indexes its own functions) and one
/// <c>FunctionLoadRequest</c> per function. Invocations go over the same stream.
/// </summary>
internal sealed class FunctionsWorker : IAsyncDisposable
{
    /// <summary>The Functions host's own default (2 GiB - 1): large enough for any invocation.</summary>
    private const int MaxMessageLength = int.MaxValue;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan TerminateGracePeriod = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly WorkerChannel _channel;
    private readonly HostOutput _output;

    private FunctionsWorker(Process process, WorkerChannel channel, HostOutput output)
    {
        _process = process;
        _channel = channel;
        _output = output;
    }

    public IReadOnlyDictionary<string, string> Capabilities { get; private set; } = new Dictionary<string, string>();

    public IReadOnlyList<WorkerFunction> Functions { get; private set; } = [];

    public int ProcessId => _process.Id;

    /// <param name="appDll">The built app's assembly; its folder is the app directory (host.json, functions.metadata).</param>
    /// <param name="rpcUri">Where the host serves <c>FunctionRpc</c>, with <paramref name="channel"/> behind it.</param>
    public static async Task<FunctionsWorker> StartAsync(
        string appDll, Uri rpcUri, string workerId, WorkerChannel channel, IReadOnlyDictionary<string, string> appSettings,
        HostOutput output, CancellationToken cancellationToken)
    {
        var appDirectory = Path.GetDirectoryName(Path.GetFullPath(appDll))!;
        var environment = new Dictionary<string, string>(appSettings)
        {
            ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
            ["FUNCTIONS_APPLICATION_DIRECTORY"] = appDirectory,
            ["FUNCTIONS_WORKER_DIRECTORY"] = appDirectory,
        };
        string[] arguments =
        [
            "--functions-uri", rpcUri.ToString(),
            "--functions-worker-id", workerId,
            "--functions-request-id", Guid.NewGuid().ToString(),
            "--functions-grpc-max-message-length", MaxMessageLength.ToString(CultureInfo.InvariantCulture),
        ];
        var worker = new FunctionsWorker(DotnetProcess.Start(appDll, arguments, environment, output), channel, output);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StartTimeout);
            await worker.WaitForStreamAsync(timeout.Token).ConfigureAwait(false);
            await worker.InitializeAsync(appDirectory, timeout.Token).ConfigureAwait(false);
            await worker.LoadFunctionsAsync(appDirectory, timeout.Token).ConfigureAwait(false);
            return worker;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"The Functions worker did not start: {e.Message}{Environment.NewLine}{string.Join(Environment.NewLine, output.Recent.TakeLast(60))}", e);
        }
    }

    /// <summary>Sends the invocation and waits for the worker's answer.</summary>
    public async Task<InvocationResponse> InvokeAsync(InvocationRequest request, CancellationToken cancellationToken)
    {
        var response = await _channel.RequestAsync(new StreamingMessage { InvocationRequest = request }, WorkerChannel.InvocationKey(request.InvocationId), cancellationToken)
            .ConfigureAwait(false);
        return response.InvocationResponse;
    }

    private async Task WaitForStreamAsync(CancellationToken cancellationToken)
    {
        var exited = _process.WaitForExitAsync(cancellationToken);
        if (await Task.WhenAny(_channel.Started, exited).ConfigureAwait(false) != _channel.Started)
        {
            await exited.ConfigureAwait(false);
            throw new InvalidOperationException($"it exited with code {_process.ExitCode} before opening its stream");
        }
    }

    private async Task InitializeAsync(string appDirectory, CancellationToken cancellationToken)
    {
        var init = new WorkerInitRequest
        {
            HostVersion = "4.0.0-onetimenotif-test-host",
            FunctionAppDirectory = appDirectory,
            WorkerDirectory = appDirectory,
        };
        var response = (await _channel.RequestAsync(new StreamingMessage { WorkerInitRequest = init }, WorkerChannel.InitKey, cancellationToken).ConfigureAwait(false))
            .WorkerInitResponse;
        EnsureSucceeded(response.Result, "WorkerInitRequest");
        Capabilities = new Dictionary<string, string>(response.Capabilities, StringComparer.Ordinal);
    }

    private async Task LoadFunctionsAsync(string appDirectory, CancellationToken cancellationToken)
    {
        var metadata = (await _channel.RequestAsync(
                new StreamingMessage { FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory } },
                WorkerChannel.MetadataKey, cancellationToken).ConfigureAwait(false))
            .FunctionMetadataResponse;
        EnsureSucceeded(metadata.Result, "FunctionsMetadataRequest");
        if (metadata.UseDefaultMetadataIndexing)
        {
            throw new NotSupportedException("The worker asked the host to index its functions; this test host takes the worker's own metadata only.");
        }
        var functions = new List<WorkerFunction>();
        foreach (var function in metadata.FunctionMetadataResults)
        {
            function.Directory = appDirectory;
            var load = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = function };
            var loaded = (await _channel.RequestAsync(new StreamingMessage { FunctionLoadRequest = load }, WorkerChannel.LoadKey(function.FunctionId), cancellationToken)
                    .ConfigureAwait(false))
                .FunctionLoadResponse;
            EnsureSucceeded(loaded.Result, $"FunctionLoadRequest for {function.Name}");
            functions.Add(new WorkerFunction(function));
        }
        Functions = functions;
    }

    private static void EnsureSucceeded(StatusResult result, string request)
    {
        if (result.Status != StatusResult.Types.Status.Success)
        {
            throw new InvalidOperationException($"{request} failed ({result.Status}): {result.Exception?.Message} {result.Result}");
        }
    }

    /// <summary>
    /// As the host stops a worker: <c>WorkerTerminate</c> with a grace period, then the process is killed if it is
    /// still running when the grace period is over.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited && _channel.Started.IsCompleted && !_channel.Closed.IsCompleted)
        {
            var terminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(TerminateGracePeriod) };
            await _channel.SendAsync(new StreamingMessage { WorkerTerminate = terminate }, CancellationToken.None).ConfigureAwait(false);
        }
        using (var grace = new CancellationTokenSource(TerminateGracePeriod * 2))
        {
            try
            {
                await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _output.Add($"[host] the worker did not stop within {TerminateGracePeriod * 2}; killing it");
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        _process.Dispose();
    }
}
