using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OneTimeNotif.FollowUps;

namespace OneTimeNotif.Storage;

/// <summary>
/// Creates the tables and the follow-up queues at start-up: the first opt-in does not pay for the tables, and the queue
/// trigger (which, as on Azure, never creates the queue it listens to) has a queue for any producer to write to.
/// Failure here is not fatal.
/// </summary>
internal sealed partial class StorageWarmUp(StorageTables tables, FollowUpQueueClient queues, ILogger<StorageWarmUp> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await tables.EnsureCreatedAsync(stoppingToken).ConfigureAwait(false);
            await queues.EnsureCreatedAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (StorageFailure.IsStorageFault(exception))
        {
            // Each store call and each enqueue ensures them again, so a storage outage at start-up only delays creation.
            LogWarmUpFailed(logger, exception);
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning,
        Message = "Could not create the storage tables and queues at start-up; they will be created on first use")]
    private static partial void LogWarmUpFailed(ILogger logger, Exception exception);
}
