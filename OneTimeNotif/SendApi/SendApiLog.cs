using Microsoft.Extensions.Logging;

namespace OneTimeNotif.SendApi;

/// <summary>Send API log events: Page, codes and Meta's trace id; never a token, an access token or message text.</summary>
internal static partial class SendApiLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "Send API refused a call for Page {PageId}: HTTP {HttpStatus}, code {Code}, subcode {Subcode}, fbtrace_id {FbTraceId}: {Status}")]
    public static partial void Refused(ILogger logger, string pageId, int httpStatus, int? code, int? subcode, string? fbTraceId, SendStatus status);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Send API unreachable for Page {PageId}: {Failure}")]
    public static partial void NetworkFailure(ILogger logger, string pageId, string failure);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Page {PageId} paused for every instance until {PausedUntil:O}; its send rate is now {Rate:0.0}/s")]
    public static partial void PagePaused(ILogger logger, string pageId, DateTimeOffset pausedUntil, double rate);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "The app reached Meta's app-wide limit: every Page paused until {PausedUntil:O}")]
    public static partial void AppPaused(ILogger logger, DateTimeOffset pausedUntil);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Page {PageId}: Meta's limit answer could not be shared with other instances ({Failure}); this instance honours it")]
    public static partial void BudgetNotShared(ILogger logger, string pageId, string failure);
}
