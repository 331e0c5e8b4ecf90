using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Azure.Functions.Worker.Grpc.Messages;

namespace OneTimeNotif.Testing.Functions;

/// <summary>
/// The host's end of the worker's <c>FunctionRpc.EventStream</c>: one bidirectional stream per worker, opened by the
/// worker with <c>StartStream</c>. Requests go out in order through one writer (a gRPC stream allows one write at a
/// time); each response is matched to its request by what it answers (the init, the metadata, a function id, an
/// invocation id); the worker's log messages go to the host's output.
/// </summary>
internal sealed class WorkerChannel(string workerId, Action<string> log) : FunctionRpc.FunctionRpcBase
{
    private readonly Channel<StreamingMessage> _outbound = Channel.CreateUnbounded<StreamingMessage>(new() { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _pending = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the worker has opened its stream.</summary>
    public Task Started => _started.Task;

    /// <summary>Completes when the worker's stream has ended.</summary>
    public Task Closed => _closed.Task;

    public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false)
            || requestStream.Current.ContentCase != StreamingMessage.ContentOneofCase.StartStream
            || requestStream.Current.StartStream.WorkerId != workerId)
        {
            throw new Grpc.Core.RpcException(new Status(StatusCode.FailedPrecondition, $"The first message must be StartStream from worker {workerId}."));
        }
        if (!_started.TrySetResult())
        {
            throw new Grpc.Core.RpcException(new Status(StatusCode.AlreadyExists, $"Worker {workerId} already has a stream."));
        }
        var writing = WriteAllAsync(responseStream, context.CancellationToken);
        try
        {
            await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                Receive(message);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The worker went away without closing its stream.
        }
        finally
        {
            Close();
        }
        await writing.ConfigureAwait(false);
    }

    /// <summary>Sends <paramref name="request"/>; the answer is the message for which <see cref="ResponseKey"/> gives <paramref name="responseKey"/>.</summary>
    public async Task<StreamingMessage> RequestAsync(StreamingMessage request, string responseKey, CancellationToken cancellationToken)
    {
        var response = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(responseKey, response))
        {
            throw new InvalidOperationException($"A request waiting for {responseKey} is already under way.");
        }
        try
        {
            if (_closed.Task.IsCompleted)
            {
                throw new InvalidOperationException($"Worker {workerId} has closed its stream.");
            }
            await _outbound.Writer.WriteAsync(request, cancellationToken).ConfigureAwait(false);
            return await response.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(responseKey, out _);
        }
    }

    /// <summary>Sends a message that has no answer (<c>WorkerTerminate</c>, <c>InvocationCancel</c>).</summary>
    public ValueTask SendAsync(StreamingMessage message, CancellationToken cancellationToken) =>
        _outbound.Writer.WriteAsync(message, cancellationToken);

    public static string InitKey => "init";
    public static string MetadataKey => "metadata";
    public static string LoadKey(string functionId) => "load:" + functionId;
    public static string InvocationKey(string invocationId) => "invocation:" + invocationId;

    /// <summary>Which request <paramref name="message"/> answers, or null for a message that answers none.</summary>
    private static string? ResponseKey(StreamingMessage message) => message.ContentCase switch
    {
        StreamingMessage.ContentOneofCase.WorkerInitResponse => InitKey,
        StreamingMessage.ContentOneofCase.FunctionMetadataResponse => MetadataKey,
        StreamingMessage.ContentOneofCase.FunctionLoadResponse => LoadKey(message.FunctionLoadResponse.FunctionId),
        StreamingMessage.ContentOneofCase.InvocationResponse => InvocationKey(message.InvocationResponse.InvocationId),
        _ => null,
    };

    private void Receive(StreamingMessage message)
    {
        if (message.ContentCase == StreamingMessage.ContentOneofCase.RpcLog)
        {
            log(Describe(message.RpcLog));
            return;
        }
        var key = ResponseKey(message);
        if (key is null || !_pending.TryGetValue(key, out var waiting))
        {
            log($"[host] worker {workerId} sent {message.ContentCase} that answers no request");
            return;
        }
        waiting.TrySetResult(message);
    }

    private static string Describe(RpcLog entry)
    {
        var line = $"[worker {entry.Level}] {entry.Category}: {entry.Message}";
        return entry.Exception is { } exception ? $"{line} {exception.Message} {exception.StackTrace}" : line;
    }

    private async Task WriteAllAsync(IServerStreamWriter<StreamingMessage> responseStream, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _outbound.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The call ended; nothing more can be written to this worker.
        }
    }

    private void Close()
    {
        _outbound.Writer.TryComplete();
        _closed.TrySetResult();
        foreach (var waiting in _pending.Values)
        {
            waiting.TrySetException(new InvalidOperationException($"Worker {workerId} closed its stream before answering."));
        }
    }
}
