using Microsoft.Extensions.Logging;

namespace OneTimeNotif.Http;

/// <summary>Keeps request URLs, and so the secrets some carry in their query string, out of both hosts' logs.</summary>
public static class RequestUrlLogging
{
    /// <summary>
    /// ASP.NET Core's "Request starting" lines carry the full URL: Meta's handshake puts the verify token in the query
    /// string, and a caller may send its function key as <c>?code=</c>. This filter is more specific than any level
    /// configured for Microsoft.AspNetCore, so it holds even when logging is turned up to Trace.
    /// </summary>
    public static ILoggingBuilder KeepRequestUrlsOutOfLogs(this ILoggingBuilder logging) =>
        logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
}
