using Microsoft.Extensions.Logging;

namespace OneTimeNotif.OptInRequests;

/// <summary>OTN request log events: Page, outcome and Meta's codes; never the title, the payload or a token.</summary>
internal static partial class OptInRequestLog
{
    [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "OTN request sent for Page {PageId}")]
    public static partial void Sent(ILogger logger, string pageId);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Information, Message = "OTN request refused before calling Meta: {Problems} problems")]
    public static partial void Invalid(ILogger logger, int problems);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Warning, Message = "OTN request for Page {PageId} not sent: {Status} (Meta code {Code}, subcode {Subcode})")]
    public static partial void Refused(ILogger logger, string pageId, OptInRequestStatus status, int? code, int? subcode);
}
