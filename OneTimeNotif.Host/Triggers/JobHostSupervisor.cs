using System.Runtime.ExceptionServices;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Host.Timers;

namespace OneTimeNotif.Host.Triggers;

/// <summary>
/// Runs the WebJobs job host the way the Functions host runs its own: when a listener meets an error it cannot ride
/// out (storage unreachable, a refused request), that job host is stopped, the error logged, and a fresh one started
/// after a pause. The SDK's default handler instead rethrows the error on a new thread, which ends the process and
/// with it the webhook, whose opt-ins must keep being answered (with 503 while storage is down).
/// </summary>
internal sealed partial class JobHostSupervisor(IServiceProvider services, ILogger<JobHostSupervisor> logger)
    : BackgroundService, IWebJobsExceptionHandler
{
    /// <summary>Long enough not to spin against an outage; short next to the 10 minutes a dead instance's messages wait.</summary>
    internal static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(2);

    private readonly object _gate = new();
    private JobHost? _current;
    private TaskCompletionSource _failed = NewSignal();

    /// <summary>The first job host starts with the application, so an indexing error (a bad binding) fails start-up.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await StartJobHostAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            Task failed;
            lock (_gate)
            {
                failed = _failed.Task;
            }
            try
            {
                await failed.WaitAsync(stoppingToken).ConfigureAwait(false);
                await StopJobHostAsync().ConfigureAwait(false);
                await Task.Delay(RestartDelay, stoppingToken).ConfigureAwait(false);
                await StartJobHostAsync(stoppingToken).ConfigureAwait(false);
                LogRestarted(logger);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Starting again failed too (storage still down): try again after the next pause.
                LogListenerFailed(logger, e);
                lock (_gate)
                {
                    _failed.TrySetResult();
                }
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await StopJobHostAsync().ConfigureAwait(false);
    }

    public Task OnUnhandledExceptionAsync(ExceptionDispatchInfo exceptionInfo)
    {
        ArgumentNullException.ThrowIfNull(exceptionInfo);
        LogListenerFailed(logger, exceptionInfo.SourceException);
        lock (_gate)
        {
            _failed.TrySetResult();
        }
        return Task.CompletedTask;
    }

    /// <summary>Only raised with <c>ThrowOnTimeout</c>, which this host leaves off; treated as any other failure.</summary>
    public Task OnTimeoutExceptionAsync(ExceptionDispatchInfo exceptionInfo, TimeSpan timeoutGracePeriod) =>
        OnUnhandledExceptionAsync(exceptionInfo);

    private async Task StartJobHostAsync(CancellationToken cancellationToken)
    {
        var host = ActivatorUtilities.CreateInstance<JobHost>(services);
        lock (_gate)
        {
            _current = host;
            _failed = NewSignal();
        }
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task StopJobHostAsync()
    {
        JobHost? host;
        lock (_gate)
        {
            (host, _current) = (_current, null);
        }
        if (host is null)
        {
            return;
        }
        try
        {
            await host.StopAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // It never finished starting: nothing is listening.
        }
        host.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Error, Message = "A queue trigger listener failed; its job host restarts shortly")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "The job host restarted; the queue triggers listen again")]
    private static partial void LogRestarted(ILogger logger);
}
