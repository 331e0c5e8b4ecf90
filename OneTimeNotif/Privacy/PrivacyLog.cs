using Microsoft.Extensions.Logging;

namespace OneTimeNotif.Privacy;

/// <summary>Privacy log events: Pages, counts and confirmation codes; never a PSID, an app-scoped ID or a secret.</summary>
internal static partial class PrivacyLog
{
    [LoggerMessage(EventId = 11001, Level = LogLevel.Information, Message = "A user of Page {PageId} was erased: {Tokens} tokens, {Deliveries} delivery records, {Jobs} jobs")]
    public static partial void UserErased(ILogger logger, string pageId, int tokens, int deliveries, int jobs);

    [LoggerMessage(EventId = 11002, Level = LogLevel.Information, Message = "Follow-up job {JobId} names an erased user who holds no token on its topic; not recorded")]
    public static partial void JobForErasedUserSkipped(ILogger logger, string jobId);
}
