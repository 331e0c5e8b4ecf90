using Microsoft.Extensions.Logging;

namespace OneTimeNotif.Purge;

/// <summary>Purge log events: counts, instants and job IDs; never a token.</summary>
internal static partial class PurgeLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information,
        Message = "Purge started: tokens expired by {Now}, follow-up jobs recorded before {Cutoff}, for at most {TimeBudget}")]
    public static partial void Started(ILogger logger, DateTimeOffset now, DateTimeOffset cutoff, TimeSpan timeBudget);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "Purge deleted {Deleted} of the {Expired} expired tokens listed on one page of the expiry index")]
    public static partial void TokensDeleted(ILogger logger, int deleted, int expired);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Debug, Message = "Purge deleted follow-up job {JobId} with {Deliveries} delivery records")]
    public static partial void JobDeleted(ILogger logger, string jobId, int deliveries);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information,
        Message = "Purge finished: {TokensDeleted} expired tokens, {JobsDeleted} follow-up jobs with {DeliveryRecordsDeleted} delivery records deleted; {EntitiesRead} entities read, {EntitiesDeleted} deleted")]
    public static partial void Finished(ILogger logger, int tokensDeleted, int jobsDeleted, int deliveryRecordsDeleted, int entitiesRead, int entitiesDeleted);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Warning,
        Message = "Purge cut off ({Failure}) after deleting {TokensDeleted} expired tokens and {JobsDeleted} follow-up jobs with {DeliveryRecordsDeleted} delivery records ({EntitiesRead} entities read); the next run resumes")]
    public static partial void CutOff(ILogger logger, string failure, int tokensDeleted, int jobsDeleted, int deliveryRecordsDeleted, int entitiesRead);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Information,
        Message = "Purge progress: {TokensDeleted} expired tokens deleted from the expiry day {Day}; day finished: {DayFinished}")]
    private static partial void DayPurgedCore(ILogger logger, string day, int tokensDeleted, bool dayFinished);

    public static void DayPurged(ILogger logger, string day, int tokensDeleted, bool cutShort) => DayPurgedCore(logger, day, tokensDeleted, !cutShort);

    [LoggerMessage(EventId = 7007, Level = LogLevel.Warning,
        Message = "Purge stopped at its time budget of {TimeBudget} with work left, after deleting {TokensDeleted} expired tokens and {JobsDeleted} follow-up jobs ({EntitiesRead} entities read); the next run carries on")]
    public static partial void BudgetSpent(ILogger logger, TimeSpan timeBudget, int tokensDeleted, int jobsDeleted, int entitiesRead);

    [LoggerMessage(EventId = 7008, Level = LogLevel.Warning,
        Message = "Purge throttled by storage on {Step}; trying again in {Pause}")]
    public static partial void Throttled(ILogger logger, string step, TimeSpan pause, Exception exception);

    [LoggerMessage(EventId = 7009, Level = LogLevel.Debug, Message = "Purge deleted {Deleted} of {Indexed} indexed recurring tokens (expired, or stopped past the retention)")]
    public static partial void RecurringTokensDeleted(ILogger logger, int deleted, int indexed);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Information, Message = "Purge deleted {StoppedTokens} recurring tokens stopped before {StoppedBefore}")]
    public static partial void StoppedTokensDeleted(ILogger logger, int stoppedTokens, DateTimeOffset stoppedBefore);
}
