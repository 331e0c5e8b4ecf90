using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using OneTimeNotif.Purge;

namespace OneTimeNotif.Functions;

/// <summary>
/// Removes expired tokens on the <c>PurgeSchedule</c> app setting (six-field NCRONTAB, UTC). The host runs one
/// invocation at a time across instances, as the standalone host's blob lease does.
/// </summary>
public sealed partial class PurgeTimerFunction(RetentionPurge purge, ILogger<PurgeTimerFunction> logger)
{
    [Function(nameof(PurgeExpiredTokens))]
    public async Task PurgeExpiredTokens([TimerTrigger("%PurgeSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        if (timer.IsPastDue)
        {
            // A missed run (the app was stopped or scaled to zero) is made up now: the purge only removes what has
            // expired by the time it runs, so running late is harmless.
            LogPastDue(logger);
        }
        await purge.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 9010, Level = LogLevel.Warning, Message = "The token purge is past due; running it now")]
    private static partial void LogPastDue(ILogger logger);
}
