using Microsoft.Extensions.Logging;

namespace OneTimeNotif.Privacy;

/// <summary>Privacy log events: Pages, counts and confirmation codes; never a PSID, an app-scoped ID or a secret.</summary>
internal static partial class PrivacyLog
{
    [LoggerMessage(EventId = 11001, Level = LogLevel.Information, Message = "A user of Page {PageId} was erased: {Tokens} tokens, {Deliveries} delivery records, {Jobs} jobs")]
    public static partial void UserErased(ILogger logger, string pageId, int tokens, int deliveries, int jobs);

    [LoggerMessage(EventId = 11002, Level = LogLevel.Information, Message = "Follow-up job {JobId} names an erased user who holds no token on its topic; not recorded")]
    public static partial void JobForErasedUserSkipped(ILogger logger, string jobId);

    [LoggerMessage(EventId = 11003, Level = LogLevel.Warning, Message = "A data-deletion callback was refused: {Reason}")]
    public static partial void DeletionRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 11004, Level = LogLevel.Information, Message = "Data-deletion request {Code} received and queued")]
    public static partial void DeletionReceived(ILogger logger, string code);

    [LoggerMessage(EventId = 11005, Level = LogLevel.Warning, Message = "Data-deletion request {Code} stays pending (attempt {Attempts}); tried again in {Delay}: {Reason}")]
    public static partial void MappingRefused(ILogger logger, string code, int attempts, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 11006, Level = LogLevel.Information, Message = "Data-deletion request {Code} done: {Users} Page-scoped IDs erased ({Ignored} on Pages not served here), {Tokens} tokens")]
    public static partial void DeletionDone(ILogger logger, string code, int users, int ignored, int tokens);

    [LoggerMessage(EventId = 11007, Level = LogLevel.Information, Message = "Data-deletion request {Code} is done or unknown; message dropped")]
    public static partial void DeletionAlreadyDone(ILogger logger, string code);

    [LoggerMessage(EventId = 11008, Level = LogLevel.Error, Message = "Data-deletion message sent to {PoisonQueue}: {Reason}")]
    public static partial void DeletionPoisoned(ILogger logger, string poisonQueue, string reason);
}
