using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OneTimeNotif.Tests.Infrastructure;

/// <summary>Keeps every log entry of a host, at every level, as the text any sink could see.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();

    public IReadOnlyCollection<CapturedLog> Entries => _entries;

    /// <summary>Raised on the logging thread for every entry: lets a test act at an exact point of a run.</summary>
    public event Action<CapturedLog>? Logged;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    private void Add(CapturedLog entry)
    {
        _entries.Enqueue(entry);
        Logged?.Invoke(entry);
    }

    public void Dispose() { }

    private sealed class Logger(string category, LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            // Scopes carry no level; None keeps them apart from real events in level assertions.
            capture.Add(new CapturedLog(category, LogLevel.None, new EventId(), $"scope: {Describe(state)}"));
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // Everything a structured sink would receive: the message, each field and the whole exception.
            var text = $"{formatter(state, exception)} | {Describe(state)} | {exception}";
            capture.Add(new CapturedLog(category, logLevel, eventId, text));
        }

        private static string Describe<TState>(TState state) =>
            state is IEnumerable<KeyValuePair<string, object?>> fields
                ? string.Join("; ", fields.Select(f => $"{f.Key}={f.Value}"))
                : $"{state}";
    }
}

public sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Text);
