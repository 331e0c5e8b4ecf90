using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OneTimeNotif.Storage;

/// <summary>Creates the tables at start-up so the first opt-in does not pay for it; failure here is not fatal.</summary>
internal sealed partial class StorageWarmUp(StorageTables tables, ILogger<StorageWarmUp> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await tables.EnsureCreatedAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (StorageFailure.IsStorageFault(exception))
        {
            // Each store call ensures the tables again, so a storage outage at start-up only delays creation.
            LogWarmUpFailed(logger, exception);
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning,
        Message = "Could not create the storage tables at start-up; they will be created on first use")]
    private static partial void LogWarmUpFailed(ILogger logger, Exception exception);
}
