using Azure.Storage.Queues;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// The <c>otn-followups</c> queue, for .NET callers that want a follow-up sent: validates a job and enqueues it
/// as plain UTF-8 JSON. The service uses it too, for the segments it splits a fan-out into, and for poison.
/// </summary>
public sealed class FollowUpQueueClient(QueueServiceClient queues, Microsoft.Extensions.Logging.ILogger<FollowUpQueueClient> logger)
{
    public const string QueueName = "otn-followups";
    public const string PoisonQueueName = QueueName + "-poison";

    /// <summary>Azure Queue Storage's limit on one message.</summary>
    public const int MaxMessageBytes = FollowUpJobLimits.MaxQueueMessageBytes;

    private volatile bool _created;

    public QueueClient Queue { get; } = queues.GetQueueClient(QueueName);
    public QueueClient PoisonQueue { get; } = queues.GetQueueClient(PoisonQueueName);

    public async Task EnqueueAsync(FollowUpJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        // Round-trip through the parser so a job built in code meets the same rules as one read from the queue,
        // and one too large for its segments is refused now, not at its second segment.
        if (!FollowUpJob.TryRead(job.ToJsonObject(), out _, out var error) || (error = job.SizeProblem()) is not null)
        {
            throw new ArgumentException(error, nameof(job));
        }
        await SendAsync(job.ToJson(), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
    }

    internal async Task EnqueueSegmentAsync(FollowUpMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        await SendAsync(message.ToJson(), delay, cancellationToken).ConfigureAwait(false);
        FollowUpLog.SegmentEnqueued(logger, delay);
    }

    /// <summary>Parks a message that can never succeed (or failed too often), with the reason, beside the queue.</summary>
    public async Task SendToPoisonAsync(string original, string reason, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        // Escaping can make the wrapped original larger than the original was: shorten it until it fits.
        var kept = original;
        string body;
        while (FollowUpJobLimits.QueueBytes(body = PoisonBody(reason, kept, kept.Length < original.Length)) > MaxMessageBytes)
        {
            kept = kept[..(kept.Length / 2)];
        }
        await PoisonQueue.SendMessageAsync(body, cancellationToken).ConfigureAwait(false);
    }

    private static string PoisonBody(string reason, string message, bool truncated) =>
        new System.Text.Json.Nodes.JsonObject { ["reason"] = reason, ["message"] = message, ["truncated"] = truncated }.ToJsonString(FollowUpJob.Serialization);

    private async Task SendAsync(string json, TimeSpan delay, CancellationToken cancellationToken)
    {
        if (FollowUpJobLimits.QueueBytes(json) > MaxMessageBytes)
        {
            throw new ArgumentException($"The job is larger than a queue message ({MaxMessageBytes} bytes).");
        }
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await Queue.SendMessageAsync(json, visibilityTimeout: delay, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (_created)
        {
            return;
        }
        await Queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await PoisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        _created = true;
    }
}
