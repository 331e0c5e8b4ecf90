using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace OneTimeNotif.Host.Triggers;

/// <summary>
/// Reports storage that cannot be reached at all (connection refused, no route) to the WebJobs queue listener as a
/// 503, which is how it is built to ride out an outage: it logs a warning, backs off and polls again. A transport
/// failure reaches it otherwise as a status-0 error it treats as unexpected, and its listener stops for good.
/// </summary>
/// <remarks>Runs outside the retry policy: only a failure that every retry met is converted.</remarks>
internal sealed class UnreachableStoragePolicy : HttpPipelinePolicy
{
    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnreachable(e) && !message.CancellationToken.IsCancellationRequested)
        {
            throw Unavailable(e);
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            ProcessNext(message, pipeline);
        }
        catch (Exception e) when (IsUnreachable(e) && !message.CancellationToken.IsCancellationRequested)
        {
            throw Unavailable(e);
        }
    }

    /// <summary>Transport failures carry no HTTP status; the retry policy gathers them in an AggregateException.</summary>
    private static bool IsUnreachable(Exception e) => e switch
    {
        RequestFailedException { Status: 0 } => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(inner => inner is RequestFailedException { Status: 0 }),
        _ => false,
    };

    private static RequestFailedException Unavailable(Exception e) =>
        new(503, "Storage could not be reached.", "ServerBusy", e);
}
