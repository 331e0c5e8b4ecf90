using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// The retention index: one row per follow-up job in <c>OtnFollowUpJobDays</c>, partitioned by the UTC day the job was
/// recorded, so the purge reads the days past the retention and never scans the jobs that are kept.
/// </summary>
internal sealed class JobDayEntity : TableRow
{
    public string JobId { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }

    public static JobDayEntity For(string jobId, DateTimeOffset createdAt) => new()
    {
        PartitionKey = DayPartition.Of(createdAt),
        RowKey = TokenKeys.Hash(jobId),
        JobId = jobId,
        CreatedAt = createdAt,
    };
}
