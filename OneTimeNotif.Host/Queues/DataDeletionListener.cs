using Microsoft.Extensions.Options;
using OneTimeNotif.Privacy;

namespace OneTimeNotif.Host.Queues;

/// <summary>The standalone host's stand-in for the Functions queue trigger on <c>otn-data-deletions</c>.</summary>
public sealed class DataDeletionListener(
    DataDeletionQueueClient queues,
    DataDeletionProcessor processor,
    IOptions<QueueListenerOptions> options,
    ILogger<DataDeletionListener> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = new QueueListener(
            queues.Queue,
            (message, reason, ct) => queues.SendToPoisonAsync(message.Body.ToString(), reason, ct),
            (message, ct) => processor.ProcessAsync(message.Body.ToString(), ct),
            options.Value,
            logger);
        return listener.RunAsync(stoppingToken);
    }
}
