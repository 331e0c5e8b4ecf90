using Azure.Storage.Queues;
using OneTimeNotif.Storage;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// The <c>otn-followups</c> queue, for .NET callers that want a follow-up sent: validates a job and enqueues it
/// as plain UTF-8 JSON. The service uses it too, for the segments it splits a fan-out into, and for poison.
/// </summary>
public sealed class FollowUpQueueClient(QueueServiceClient queues, Microsoft.Extensions.Logging.ILogger<FollowUpQueueClient> logger)
{
    public const string QueueName = "otn-followups";
    public const string PoisonQueueName = QueueName + QueueWithPoison.PoisonSuffix;

    /// <summary>Azure Queue Storage's limit on one message.</summary>
    public const int MaxMessageBytes = QueueWithPoison.MaxMessageBytes;

    private readonly QueueWithPoison _queue = new(queues, QueueName);

    public QueueClient Queue => _queue.Queue;
    public QueueClient PoisonQueue => _queue.PoisonQueue;

    public async Task EnqueueAsync(FollowUpJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        // Round-trip through the parser so a job built in code meets the same rules as one read from the queue,
        // and one too large for its segments is refused now, not at its second segment.
        if (!FollowUpJob.TryRead(job.ToJsonObject(), out _, out var error) || (error = job.SizeProblem()) is not null)
        {
            throw new ArgumentException(error, nameof(job));
        }
        await _queue.SendAsync(job.ToJson(), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
    }

    internal async Task EnqueueSegmentAsync(FollowUpMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        await _queue.SendAsync(message.ToJson(), delay, cancellationToken).ConfigureAwait(false);
        FollowUpLog.SegmentEnqueued(logger, delay);
    }

    /// <summary>Parks a message that can never succeed (or failed too often), with the reason, beside the queue.</summary>
    public Task SendToPoisonAsync(string original, string reason, CancellationToken cancellationToken) =>
        _queue.SendToPoisonAsync(original, reason, cancellationToken);

    public ValueTask EnsureCreatedAsync(CancellationToken cancellationToken) => _queue.EnsureCreatedAsync(cancellationToken);
}
