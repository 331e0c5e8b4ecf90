using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace OneTimeNotif.Tests.Infrastructure;

/// <summary>Reads every table and queue of an account for a value (a PSID): what "stored nowhere" means, checked whole.</summary>
public static class StorageTrace
{
    /// <returns>Where the value occurs: table/partition/row (key or property), or queue/message.</returns>
    public static async Task<List<string>> FindAsync(string connectionString, string value)
    {
        var found = new List<string>();
        var tables = new TableServiceClient(connectionString);
        await foreach (var table in tables.QueryAsync())
        {
            await foreach (var entity in tables.GetTableClient(table.Name).QueryAsync<TableEntity>())
            {
                var texts = entity.Select(p => $"{p.Value}").Append(entity.PartitionKey).Append(entity.RowKey);
                if (texts.Any(t => t.Contains(value, StringComparison.Ordinal)))
                {
                    found.Add($"{table.Name}/{entity.PartitionKey}/{entity.RowKey}");
                }
            }
        }
        var queues = new QueueServiceClient(connectionString);
        await foreach (var queue in queues.GetQueuesAsync())
        {
            var messages = await queues.GetQueueClient(queue.Name).PeekMessagesAsync(32);
            found.AddRange(messages.Value.Where(m => m.Body.ToString().Contains(value, StringComparison.Ordinal)).Select(m => $"{queue.Name}/{m.MessageId}"));
        }
        return found;
    }
}
