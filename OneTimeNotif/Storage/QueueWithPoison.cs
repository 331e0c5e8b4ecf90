using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;

namespace OneTimeNotif.Storage;

/// <summary>
/// A queue of work and the poison queue beside it (<c>{name}-poison</c>, the name the WebJobs queue trigger gives it),
/// both created on first use. Messages go as plain UTF-8 (host.json's <c>messageEncoding</c> is <c>none</c>), and a
/// message that can never be served is parked in the poison queue with the reason.
/// </summary>
public sealed class QueueWithPoison(QueueServiceClient queues, string name)
{
    /// <summary>Azure Queue Storage's limit on one message, counted as the service stores it (XML-escaped).</summary>
    public const int MaxMessageBytes = 64 * 1024;

    public const string PoisonSuffix = "-poison";

    // The poison body quotes the original as it was: no \uXXXX escaping that would make it three times larger.
    private static readonly JsonSerializerOptions PoisonSerialization = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private volatile bool _created;

    public QueueClient Queue { get; } = queues.GetQueueClient(name);

    public QueueClient PoisonQueue { get; } = queues.GetQueueClient(name + PoisonSuffix);

    /// <summary>A message's size on the queue: its UTF-8 bytes once the service's XML body has escaped &lt;, &gt; and &amp;.</summary>
    public static int MessageBytes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var escaped = 0;
        foreach (var c in text)
        {
            escaped += c switch { '<' or '>' => 3, '&' => 4, _ => 0 };
        }
        return Encoding.UTF8.GetByteCount(text) + escaped;
    }

    /// <param name="delay">How long the message stays invisible: zero to serve it now.</param>
    public async Task SendAsync(string message, TimeSpan delay, CancellationToken cancellationToken)
    {
        if (MessageBytes(message) > MaxMessageBytes)
        {
            throw new ArgumentException($"The message is larger than a queue message ({MaxMessageBytes} bytes).", nameof(message));
        }
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await Queue.SendMessageAsync(message, visibilityTimeout: delay, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Parks a message that can never succeed (or failed too often) as <c>{"reason", "message", "truncated"}</c>.
    /// The caller's reason must never quote a secret; the original is shortened until the whole fits one message.
    /// </summary>
    public async Task SendToPoisonAsync(string original, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(original);
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        // Escaping can make the wrapped original larger than the original was.
        var kept = original;
        string body;
        while (MessageBytes(body = PoisonBody(reason, kept, kept.Length < original.Length)) > MaxMessageBytes)
        {
            kept = kept[..(kept.Length / 2)];
        }
        await PoisonQueue.SendMessageAsync(body, cancellationToken).ConfigureAwait(false);
    }

    private static string PoisonBody(string reason, string message, bool truncated) =>
        new JsonObject { ["reason"] = reason, ["message"] = message, ["truncated"] = truncated }.ToJsonString(PoisonSerialization);

    public async ValueTask EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (_created)
        {
            return;
        }
        await Queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await PoisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        _created = true;
    }
}
