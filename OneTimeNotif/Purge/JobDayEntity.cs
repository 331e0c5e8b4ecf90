using System.Globalization;
using Azure;
using Azure.Data.Tables;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Purge;

/// <summary>
/// The retention index: one row per follow-up job in <c>OtnFollowUpJobDays</c>, partitioned by the UTC day the job was
/// recorded, so the purge reads the days past the retention and never scans the jobs that are kept.
/// </summary>
internal sealed class JobDayEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string JobId { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }

    public static string DayPartition(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static JobDayEntity For(string jobId, DateTimeOffset createdAt) => new()
    {
        PartitionKey = DayPartition(createdAt),
        RowKey = TokenKeys.Hash(jobId),
        JobId = jobId,
        CreatedAt = createdAt,
    };
}
