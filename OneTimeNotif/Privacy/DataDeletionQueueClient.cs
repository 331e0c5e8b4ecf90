using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Storage.Queues;

namespace OneTimeNotif.Privacy;

/// <summary>
/// The <c>otn-data-deletions</c> queue: a data-deletion request waits here (with the app-scoped ID, which its record
/// does not keep) until it is served, so a restart or Meta refusing the ID mapping never loses it.
/// </summary>
public sealed class DataDeletionQueueClient(QueueServiceClient queues)
{
    public const string QueueName = "otn-data-deletions";
    public const string PoisonQueueName = QueueName + "-poison";

    private volatile bool _created;

    public QueueClient Queue { get; } = queues.GetQueueClient(QueueName);
    public QueueClient PoisonQueue { get; } = queues.GetQueueClient(PoisonQueueName);

    internal async Task EnqueueAsync(DataDeletionWork work, TimeSpan delay, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await Queue.SendMessageAsync(JsonSerializer.Serialize(work, DataDeletionWorkJson.Default.DataDeletionWork), delay, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Parks a message that can never be served, with the reason (which never quotes the message).</summary>
    public async Task SendToPoisonAsync(string original, string reason, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var body = new System.Text.Json.Nodes.JsonObject { ["reason"] = reason, ["message"] = original }.ToJsonString();
        await PoisonQueue.SendMessageAsync(body, cancellationToken).ConfigureAwait(false);
    }

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
