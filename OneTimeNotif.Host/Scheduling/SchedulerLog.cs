namespace OneTimeNotif.Host.Scheduling;

/// <summary>The standalone host's timer events: schedule, occurrences, lease; the purge logs its own counts.</summary>
internal static partial class SchedulerLog
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Next purge run at {Next} (PurgeSchedule \"{Schedule}\", UTC)")]
    public static partial void Scheduled(ILogger logger, DateTimeOffset next, string schedule);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Purge run for {Occurrence} started under the lease")]
    public static partial void Running(ILogger logger, DateTimeOffset occurrence);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Information, Message = "Purge run for {Occurrence} done: {TokensDeleted} tokens, {JobsDeleted} jobs deleted")]
    public static partial void Ran(ILogger logger, DateTimeOffset occurrence, int tokensDeleted, int jobsDeleted);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Information, Message = "Purge run for {Occurrence} skipped: another instance holds the lease")]
    public static partial void SkippedLeaseHeld(ILogger logger, DateTimeOffset occurrence);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Information, Message = "Purge run for {Occurrence} skipped: another instance already ran it")]
    public static partial void SkippedAlreadyRun(ILogger logger, DateTimeOffset occurrence);

    [LoggerMessage(EventId = 9006, Level = LogLevel.Warning, Message = "Purge run for {Occurrence} stopped: the lease could not be renewed; the next run resumes")]
    public static partial void LeaseLost(ILogger logger, DateTimeOffset occurrence);

    [LoggerMessage(EventId = 9007, Level = LogLevel.Error, Message = "Purge run for {Occurrence} failed on storage; the next run resumes")]
    public static partial void Failed(ILogger logger, DateTimeOffset occurrence, Exception exception);
}
