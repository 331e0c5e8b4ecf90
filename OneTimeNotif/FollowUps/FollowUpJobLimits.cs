using OneTimeNotif.Configuration;
using OneTimeNotif.Storage;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// How large a job may be: checked when it is submitted (<c>POST /api/followups</c>, <see cref="FollowUpQueueClient.EnqueueAsync"/>)
/// and when the queue hands it out, never discovered at its second segment.
/// </summary>
public static class FollowUpJobLimits
{
    /// <summary>Azure Queue Storage's limit on one message, counted as the service stores it (XML-escaped).</summary>
    public const int MaxQueueMessageBytes = QueueWithPoison.MaxMessageBytes;

    /// <summary>Table Storage holds a string property of up to 64 KiB as UTF-16: 32,768 characters.</summary>
    public const int MaxTablePropertyChars = StorageRefusal.MaxStringPropertyChars;

    /// <summary>
    /// What a segment adds to the job: the longest cursor (a token row key: <c>t_</c>, a PSID of up to 32 digits,
    /// <c>_</c> and 32 hex digits) and the largest retry count.
    /// </summary>
    private static readonly int SegmentReserve = QueueBytes(
        $",\"segment\":{{\"after\":\"t_{new string('9', MetaId.MaxLength)}_{new string('f', 32)}\",\"retry\":{int.MaxValue}}}");

    /// <summary>The largest job, in queue bytes, that still fits a queue message as any of its segments.</summary>
    public static int MaxJobBytes => MaxQueueMessageBytes - SegmentReserve;

    /// <param name="json">The job as <see cref="FollowUpJob.ToJson"/> writes it.</param>
    internal static string? Problem(string json)
    {
        var bytes = QueueBytes(json);
        if (bytes > MaxJobBytes)
        {
            return $"The job is {bytes} bytes as a queue message; a job may be at most {MaxJobBytes} bytes " +
                $"(a queue message is {MaxQueueMessageBytes} bytes, and each segment adds its cursor).";
        }
        return json.Length > MaxTablePropertyChars
            ? $"The job is {json.Length} characters; a job may be at most {MaxTablePropertyChars} (it is kept in a table property)."
            : null;
    }

    private static int QueueBytes(string json) => QueueWithPoison.MessageBytes(json);
}
