namespace OneTimeNotif.Host.Queues;

/// <summary>
/// The queue trigger settings of Azure Functions, read from the same host.json (<c>extensions:queues</c>) so both
/// hosts behave alike. Defaults are the Functions defaults.
/// </summary>
public sealed class QueueListenerOptions
{
    public const string SectionName = "extensions:queues";

    /// <summary>Messages received at once (Azure's limit is 32).</summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>Another batch is fetched when no more than this many messages are in progress; default batchSize/2 per core.</summary>
    public int? NewBatchThreshold { get; set; }

    /// <summary>The longest wait between polls of an empty queue; waits double from 100 ms up to it.</summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a failed message stays invisible before it is tried again (whole seconds: the queue service rounds down).</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>After this many attempts a failing message moves to the poison queue.</summary>
    public int MaxDequeueCount { get; set; } = 5;

    public string MessageEncoding { get; set; } = "base64";

    /// <summary>
    /// Not a host.json setting: how long a message in progress stays invisible. It is renewed at half-time, so a
    /// killed host's messages come back after at most this long.
    /// </summary>
    public TimeSpan ProcessingLease { get; set; } = TimeSpan.FromSeconds(30);

    public int BatchThreshold => NewBatchThreshold ?? BatchSize / 2 * Environment.ProcessorCount;
}
