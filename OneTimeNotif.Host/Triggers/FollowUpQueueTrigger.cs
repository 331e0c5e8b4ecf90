using Microsoft.Azure.WebJobs;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Host.Triggers;

/// <summary>
/// The standalone host's queue trigger on <c>otn-followups</c>: the same WebJobs queue listener the Functions host
/// runs (batches, invisibility while processing, retry after <c>visibilityTimeout</c>, the poison queue after
/// <c>maxDequeueCount</c>), calling the same library code as the Functions app's <c>ServeFollowUp</c>.
/// </summary>
/// <remarks>Public, with a public method: the WebJobs SDK indexes and invokes only those.</remarks>
public sealed class FollowUpQueueTrigger(FollowUpProcessor processor)
{
    /// <param name="dequeueCount">The message's dequeue count, bound by name from the trigger's binding data.</param>
    [FunctionName("ServeFollowUp")]
    public Task ServeFollowUp(
        [QueueTrigger(FollowUpQueueClient.QueueName, Connection = StorageOptions.SectionName)] string message,
        long dequeueCount,
        CancellationToken cancellationToken) =>
        processor.ProcessAsync(message, dequeueCount, cancellationToken);
}
