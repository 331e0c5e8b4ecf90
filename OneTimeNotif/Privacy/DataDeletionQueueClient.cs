using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Storage.Queues;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Privacy;

/// <summary>
/// The <c>otn-data-deletions</c> queue: a data-deletion request waits here (with the app-scoped ID, which its record
/// does not keep) until it is served, so a restart or Meta refusing the ID mapping never loses it.
/// </summary>
public sealed class DataDeletionQueueClient(QueueServiceClient queues)
{
    public const string QueueName = "otn-data-deletions";
    public const string PoisonQueueName = QueueName + QueueWithPoison.PoisonSuffix;

    private readonly QueueWithPoison _queue = new(queues, QueueName);

    public QueueClient Queue => _queue.Queue;
    public QueueClient PoisonQueue => _queue.PoisonQueue;

    internal Task EnqueueAsync(DataDeletionWork work, TimeSpan delay, CancellationToken cancellationToken) =>
        _queue.SendAsync(JsonSerializer.Serialize(work, DataDeletionWorkJson.Default.DataDeletionWork), delay, cancellationToken);

    /// <summary>Parks a message that can never be served, with the reason (which never quotes the message).</summary>
    public Task SendToPoisonAsync(string original, string reason, CancellationToken cancellationToken) =>
        _queue.SendToPoisonAsync(original, reason, cancellationToken);

    public ValueTask EnsureCreatedAsync(CancellationToken cancellationToken) => _queue.EnsureCreatedAsync(cancellationToken);
}

/// <summary>One queued data-deletion request: its confirmation code and the app-scoped user ID to map.</summary>
internal sealed record DataDeletionWork(string Code, string UserId)
{
    public static DataDeletionWork? TryParse(string json)
    {
        try
        {
            var work = JsonSerializer.Deserialize(json, DataDeletionWorkJson.Default.DataDeletionWork);
            return work is { Code.Length: > 0, UserId.Length: > 0 } && DataDeletionRequests.IsCode(work.Code) && Configuration.MetaId.IsValid(work.UserId) ? work : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DataDeletionWork))]
internal sealed partial class DataDeletionWorkJson : JsonSerializerContext;
