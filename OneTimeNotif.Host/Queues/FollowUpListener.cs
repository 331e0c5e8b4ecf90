using Microsoft.Extensions.Options;
using OneTimeNotif.FollowUps;

namespace OneTimeNotif.Host.Queues;

/// <summary>The standalone host's stand-in for the Functions queue trigger on <c>otn-followups</c>.</summary>
public sealed class FollowUpListener(
    FollowUpQueueClient queues,
    FollowUpProcessor processor,
    IOptions<QueueListenerOptions> options,
    ILogger<FollowUpListener> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = new QueueListener(
            queues.Queue,
            (message, reason, ct) => queues.SendToPoisonAsync(message.Body.ToString(), reason, ct),
            (message, ct) => processor.ProcessAsync(message.Body.ToString(), message.DequeueCount, ct),
            options.Value,
            logger);
        return listener.RunAsync(stoppingToken);
    }
}
