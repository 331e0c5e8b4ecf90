using Microsoft.Extensions.Logging;

namespace OneTimeNotif.Purge;

/// <summary>Purge log events: counts, instants and job IDs; never a token.</summary>
internal static partial class PurgeLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information,
        Message = "Purge started: tokens expired by {Now}, follow-up jobs recorded before {Cutoff}")]
    public static partial void Started(ILogger logger, DateTimeOffset now, DateTimeOffset cutoff);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Debug, Message = "Purge deleted {Deleted} of {Expired} expired tokens in one topic")]
    public static partial void TokensDeleted(ILogger logger, int deleted, int expired);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Debug, Message = "Purge deleted follow-up job {JobId} with {Deliveries} delivery records")]
    public static partial void JobDeleted(ILogger logger, string jobId, int deliveries);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information,
        Message = "Purge finished: {TokensDeleted} expired tokens, {JobsDeleted} follow-up jobs with {DeliveryRecordsDeleted} delivery records deleted; {EntitiesRead} entities read, {EntitiesDeleted} deleted")]
    public static partial void Finished(ILogger logger, int tokensDeleted, int jobsDeleted, int deliveryRecordsDeleted, int entitiesRead, int entitiesDeleted);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Warning,
        Message = "Purge cut off ({Failure}) after deleting {TokensDeleted} expired tokens and {JobsDeleted} follow-up jobs with {DeliveryRecordsDeleted} delivery records ({EntitiesRead} entities read); the next run resumes")]
    public static partial void CutOff(ILogger logger, string failure, int tokensDeleted, int jobsDeleted, int deliveryRecordsDeleted, int entitiesRead);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Debug, Message = "Purge deleted {Deleted} of {Indexed} indexed recurring tokens (expired, or stopped past the retention)")]
    public static partial void RecurringTokensDeleted(ILogger logger, int deleted, int indexed);

    [LoggerMessage(EventId = 7007, Level = LogLevel.Information, Message = "Purge deleted {StoppedTokens} recurring tokens stopped before {StoppedBefore}")]
    public static partial void StoppedTokensDeleted(ILogger logger, int stoppedTokens, DateTimeOffset stoppedBefore);
}
