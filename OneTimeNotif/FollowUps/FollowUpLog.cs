using Microsoft.Extensions.Logging;

namespace OneTimeNotif.FollowUps;

/// <summary>Follow-up log events: job IDs, counts and reasons; never a token or the message text.</summary>
internal static partial class FollowUpLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Follow-up message sent to {PoisonQueue}: {Reason}")]
    public static partial void Poisoned(ILogger logger, string poisonQueue, string reason);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Follow-up job {JobId} is already {State}; duplicate message dropped")]
    public static partial void Duplicate(ILogger logger, string jobId, JobState state);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information,
        Message = "Follow-up job {JobId} segment served: {Users} users, {Sent} sent, {Finished} finished otherwise, {Pending} still bound, {Deferred} deferred")]
    public static partial void SegmentServed(ILogger logger, string jobId, int users, int sent, int finished, int pending, int deferred);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Follow-up job {JobId} segment put back for {Delay} (retry {Retry}): {Reason}")]
    public static partial void SegmentRetry(ILogger logger, string jobId, TimeSpan delay, int retry, string? reason);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Error, Message = "Follow-up job {JobId} stopped: {Reason}")]
    public static partial void Stopped(ILogger logger, string jobId, string? reason);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "Follow-up job {JobId} is {State}; its segment's open bindings were ended and the segment dropped")]
    public static partial void SkippedHalted(ILogger logger, string jobId, JobState state);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Debug, Message = "Follow-up job {JobId}: a user finished as {State}")]
    public static partial void UserFinished(ILogger logger, string jobId, DeliveryState state);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "Follow-up job {JobId} started with {Segments} segments to serve")]
    public static partial void Started(ILogger logger, string jobId, int segments);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Debug, Message = "Follow-up job {JobId}: a binding no call used was released")]
    public static partial void BindingReleased(ILogger logger, string jobId);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "Follow-up job {JobId}: the bindings of a given-up segment could not be ended ({Failure}); resuming or retention ends them")]
    public static partial void CloseFailed(ILogger logger, string jobId, string failure);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "Follow-up job {JobId} cancelled")]
    public static partial void Cancelled(ILogger logger, string jobId);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information,
        Message = "Follow-up job {JobId} segment waits {Wait} for {Deferred} deferred users, whose recurring tokens are cooling down")]
    public static partial void SegmentDeferred(ILogger logger, string jobId, int deferred, TimeSpan wait);

    [LoggerMessage(EventId = 5030, Level = LogLevel.Debug, Message = "Follow-up message handled in {ElapsedMs:0.0} ms")]
    public static partial void MessageHandled(ILogger logger, double elapsedMs);

    [LoggerMessage(EventId = 5031, Level = LogLevel.Debug, Message = "Follow-up segment message sent to the queue, visible in {Delay}")]
    public static partial void SegmentEnqueued(ILogger logger, TimeSpan delay);

    [LoggerMessage(EventId = 5032, Level = LogLevel.Information, Message = "Follow-up job {JobId} segment throttled, back in {Delay} (no retry counted): {Reason}")]
    public static partial void SegmentThrottled(ILogger logger, string jobId, TimeSpan delay, string? reason);
}
