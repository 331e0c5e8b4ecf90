using Microsoft.Azure.Functions.Worker;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Functions;

/// <summary>
/// Serves each message of <c>otn-followups</c>. Jobs are plain UTF-8 JSON (host.json <c>messageEncoding: none</c>), so
/// the message binds as a string; retries, visibility and the poison queue are the host's, set in host.json.
/// </summary>
public sealed class FollowUpQueueFunction(FollowUpProcessor processor)
{
    /// <param name="dequeueCount">
    /// The queue message's <c>DequeueCount</c> trigger metadata, bound by name: the processor tells a redelivery of a
    /// message it was serving (more than 1) from a second copy of the same job.
    /// </param>
    [Function(nameof(ServeFollowUp))]
    public Task ServeFollowUp(
        [QueueTrigger(FollowUpQueueClient.QueueName, Connection = StorageOptions.SectionName)] string message,
        long dequeueCount,
        CancellationToken cancellationToken) =>
        processor.ProcessAsync(message, dequeueCount, cancellationToken);
}
