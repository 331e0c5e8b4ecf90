using Microsoft.Extensions.Logging;

namespace OneTimeNotif.FollowUps;

/// <summary>Follow-up log events: job IDs, counts and reasons; never a token or the message text.</summary>
internal static partial class FollowUpLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Follow-up message sent to {PoisonQueue}: {Reason}")]
    public static partial void Poisoned(ILogger logger, string poisonQueue, string reason);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Follow-up job {JobId} is already being served; duplicate message dropped")]
    public static partial void Duplicate(ILogger logger, string jobId);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information,
        Message = "Follow-up job {JobId} segment served: {Users} users, {Sent} sent, {Finished} finished otherwise, {Retrying} to retry")]
    public static partial void SegmentServed(ILogger logger, string jobId, int users, int sent, int finished, int retrying);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Follow-up job {JobId} segment put back for {Delay} (retry {Retry}): {Reason}")]
    public static partial void SegmentRetry(ILogger logger, string jobId, TimeSpan delay, int retry, string? reason);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Error, Message = "Follow-up job {JobId} stopped: {Reason}")]
    public static partial void Stopped(ILogger logger, string jobId, string? reason);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "Follow-up job {JobId} is stopped; segment dropped until it is submitted again")]
    public static partial void SkippedStopped(ILogger logger, string jobId);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Debug, Message = "Follow-up job {JobId}: a user finished as {State}")]
    public static partial void UserFinished(ILogger logger, string jobId, string state);

    [LoggerMessage(EventId = 5030, Level = LogLevel.Debug, Message = "Follow-up message handled in {ElapsedMs:0.0} ms")]
    public static partial void MessageHandled(ILogger logger, double elapsedMs);

    [LoggerMessage(EventId = 5031, Level = LogLevel.Debug, Message = "Follow-up segment message sent to the queue, visible in {Delay}")]
    public static partial void SegmentEnqueued(ILogger logger, TimeSpan delay);
}
