using Microsoft.Extensions.Logging;

namespace OneTimeNotif.Webhook;

/// <summary>Webhook log events. Counts and sizes only: bodies hold tokens and user content, so they are never logged.</summary>
internal static partial class WebhookLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
        Message = "Webhook POST: {OptIns} opt-ins ({Stored} new, {AlreadyStored} already stored, {Changed} recurring tokens stopped or resumed), {Ignored} other events ignored")]
    public static partial void Received(ILogger logger, int optIns, int stored, int alreadyStored, int changed, int ignored);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Webhook POST rejected: no signature header")]
    public static partial void SignatureMissing(ILogger logger);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning,
        Message = "Webhook POST rejected: the signature does not match the {BodyBytes}-byte body (wrong App Secret, or not from Meta)")]
    public static partial void SignatureInvalid(ILogger logger, int bodyBytes);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Webhook POST rejected: the {BodyBytes}-byte body is not a JSON object")]
    public static partial void Malformed(ILogger logger, int bodyBytes);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning,
        Message = "{Count} OTN opt-ins skipped: no token, or a sender or Page ID that is not numeric")]
    public static partial void UnusableOptIns(ILogger logger, int count);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Error,
        Message = "Storage unavailable: {OptIns} opt-ins not stored, answering 503 so Meta delivers them again")]
    public static partial void StorageUnavailable(ILogger logger, int optIns, Exception exception);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Webhook POST rejected: body larger than {MaxBodyBytes} bytes")]
    public static partial void TooLarge(ILogger logger, int maxBodyBytes);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "Webhook verification handshake answered")]
    public static partial void Verified(ILogger logger);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning,
        Message = "Webhook verification refused: hub.mode is not 'subscribe' or the verify token does not match")]
    public static partial void VerificationRefused(ILogger logger);
}
