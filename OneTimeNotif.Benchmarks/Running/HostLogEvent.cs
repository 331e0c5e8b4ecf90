using System.Globalization;
using System.Text.Json;

namespace OneTimeNotif.Benchmarks.Running;

/// <summary>
/// One line of the host's console log in the JSON format: the event's id, level, time and structured fields, read as
/// the host wrote them rather than picked out of the message text, which is for people and may be reworded.
/// </summary>
internal sealed record HostLogEvent(int EventId, string Level, DateTimeOffset Timestamp, string Message, JsonElement State)
{
    // The JSON console formatter's field names, which are not this record's to rename.
    private const string EventIdField = "EventId";
    private const string LevelField = "LogLevel";
    private const string TimestampField = "Timestamp";
    private const string MessageField = "Message";
    private const string StateField = "State";

    /// <summary>Host settings for such lines: one JSON object a line, timed to the tick in UTC so a run can be timed by its events.</summary>
    public static IReadOnlyDictionary<string, string> JsonConsoleSettings { get; } = new Dictionary<string, string>
    {
        ["Logging__Console__FormatterName"] = "json",
        ["Logging__Console__FormatterOptions__TimestampFormat"] = "O",
        ["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true",
    };

    public bool IsWarningOrWorse => Level is "Warning" or "Error" or "Critical";

    /// <returns>The event, or null for a line that is not one (the runtime's own report of a crash, say).</returns>
    public static HostLogEvent? Read(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!line.StartsWith('{'))
        {
            return null;
        }
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        if (!root.TryGetProperty(EventIdField, out var eventId) || !root.TryGetProperty(TimestampField, out var timestamp))
        {
            return null;
        }
        return new HostLogEvent(
            eventId.GetInt32(),
            root.GetProperty(LevelField).GetString() ?? "",
            DateTimeOffset.Parse(timestamp.GetString() ?? "", CultureInfo.InvariantCulture),
            root.GetProperty(MessageField).GetString() ?? "",
            root.TryGetProperty(StateField, out var state) ? state.Clone() : default);
    }

    public int Int(string field) => State.GetProperty(field).GetInt32();

    /// <summary>A <see cref="DateTimeOffset"/> field: the JSON formatter writes those in the invariant culture, to the second.</summary>
    public DateTimeOffset Instant(string field) =>
        DateTimeOffset.Parse(State.GetProperty(field).GetString() ?? "", CultureInfo.InvariantCulture);
}
