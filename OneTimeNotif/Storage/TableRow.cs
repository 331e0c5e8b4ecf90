using Azure;
using Azure.Data.Tables;

namespace OneTimeNotif.Storage;

/// <summary>The keys and system properties every Table Storage entity carries.</summary>
public abstract class TableRow : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
}
