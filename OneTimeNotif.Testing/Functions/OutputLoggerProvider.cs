using Microsoft.Extensions.Logging;

namespace OneTimeNotif.Testing.Functions;

/// <summary>The test host's own log (its Kestrel, gRPC and WebJobs parts) as lines of its output, tagged with <c>[host]</c>.</summary>
internal sealed class OutputLoggerProvider(HostOutput output, LogLevel minimum) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new OutputLogger(output, minimum, categoryName);

    public void Dispose()
    {
    }

    private sealed class OutputLogger(HostOutput output, LogLevel minimum, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                output.Add($"[host {logLevel}] {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
            }
        }
    }
}
