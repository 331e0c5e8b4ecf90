using Microsoft.Azure.WebJobs;
using OneTimeNotif.Privacy;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Host.Triggers;

/// <summary>
/// The standalone host's queue trigger on <c>otn-data-deletions</c>: the same WebJobs queue listener the Functions
/// host runs, calling the same library code as the Functions app's <c>ServeDataDeletion</c>.
/// </summary>
/// <remarks>Public, with a public method: the WebJobs SDK indexes and invokes only those.</remarks>
public sealed class DataDeletionQueueTrigger(DataDeletionProcessor processor)
{
    [FunctionName("ServeDataDeletion")]
    public Task ServeDataDeletion(
        [QueueTrigger(DataDeletionQueueClient.QueueName, Connection = StorageOptions.SectionName)] string message,
        CancellationToken cancellationToken) =>
        processor.ProcessAsync(message, cancellationToken);
}
