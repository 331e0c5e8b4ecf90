using System.Runtime.ExceptionServices;
using Azure;
using Microsoft.Azure.WebJobs.Host.Timers;

namespace OneTimeNotif.Host.Triggers;

/// <summary>
/// What happens to an error the WebJobs SDK could not handle inside a trigger. Its default rethrows it on a new
/// thread, which ends the process at once, webhook included. Here a storage outage met while finishing a message
/// (deleting it, hiding it again) is logged and ridden out: the message comes back and is served again. Anything else
/// may have stopped a listener for good, and a job host cannot be restarted in place, so the host logs it and shuts
/// down gracefully for its supervisor (App Service, Kubernetes, systemd) to start it again, as the Functions host
/// restarts itself.
/// </summary>
internal sealed partial class ListenerFailureHandler(IHostApplicationLifetime lifetime, ILogger<ListenerFailureHandler> logger) : IWebJobsExceptionHandler
{
    public Task OnUnhandledExceptionAsync(ExceptionDispatchInfo exceptionInfo)
    {
        ArgumentNullException.ThrowIfNull(exceptionInfo);
        var failure = exceptionInfo.SourceException;
        if (failure is RequestFailedException { Status: >= 500 } or TimeoutException)
        {
            LogStorageOutage(logger, failure);
            return Task.CompletedTask;
        }
        LogFatal(logger, failure);
        lifetime.StopApplication();
        return Task.CompletedTask;
    }

    /// <summary>Only raised with <c>ThrowOnTimeout</c>, which this host leaves off.</summary>
    public Task OnTimeoutExceptionAsync(ExceptionDispatchInfo exceptionInfo, TimeSpan timeoutGracePeriod) =>
        OnUnhandledExceptionAsync(exceptionInfo);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Storage was unavailable while a queue message was being finished; it will be served again")]
    private static partial void LogStorageOutage(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Critical, Message = "A queue trigger failed in a way it cannot recover from; the host is shutting down to be restarted")]
    private static partial void LogFatal(ILogger logger, Exception exception);
}
