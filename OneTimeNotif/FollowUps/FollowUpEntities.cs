using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.FollowUps;

/// <summary>A follow-up job in <c>OtnFollowUpJobs</c>: partition = hash(jobId), row <c>job</c>.</summary>
internal sealed class JobEntity : TableRow
{
    public const string Row = "job";

    public JobEntity() => RowKey = Row;

    public string JobId { get; set; } = "";
    public string PageId { get; set; } = "";
    public string Payload { get; set; } = "";
    public string? Psid { get; set; }

    /// <summary>The job as submitted, to tell a re-submission from a different job reusing the ID.</summary>
    public string Job { get; set; } = "";

    public string State { get; set; } = JobState.Queued;

    /// <summary>Why the job stopped: a configuration fault, in words an operator can act on.</summary>
    public string? StopReason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public static string Partition(string jobId) => $"j_{TokenKeys.Hash(jobId)}";
}

public static class JobState
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Stopped = "stopped";
    public const string Completed = "completed";
}

/// <summary>One segment of a fan-out, in the job's partition: recorded when enqueued, marked done when served.</summary>
internal sealed class SegmentEntity : TableRow
{
    public bool Done { get; set; }

    /// <summary>The topic's tokens end in this segment: once it and all before it are done, the job is complete.</summary>
    public bool Last { get; set; }

    public const string RowPrefix = "s_";

    public static string RowFor(string? cursor) => RowPrefix + TokenKeys.Hash(cursor ?? "");
}

/// <summary>
/// The delivery record of one (job, user), in the token's partition so that binding a token to it is one
/// entity-group transaction: row <c>d_&lt;hash(jobId)&gt;_&lt;psid&gt;</c>.
/// </summary>
internal sealed class DeliveryEntity : TableRow
{
    public string JobId { get; set; } = "";
    public string Psid { get; set; } = "";

    /// <summary>The one token this (job, user) may ever use; a retry reuses it instead of choosing another.</summary>
    public string TokenRowKey { get; set; } = "";

    public string State { get; set; } = DeliveryState.Bound;
    public string? MessageId { get; set; }
    public string? Reason { get; set; }
    public DateTimeOffset BoundAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }

    public static string RowPrefix(string jobId) => RowPrefixOfHash(TokenKeys.Hash(jobId));

    public static string RowFor(string jobId, string psid) => RowPrefix(jobId) + psid;

    private static string RowPrefixOfHash(string jobHash) => $"d_{jobHash}_";

    /// <summary>
    /// Every delivery record has a twin row <c>u_&lt;psid&gt;_&lt;hash(jobId)&gt;</c>, written in the binding's transaction,
    /// so one user's records in a topic are a prefix range (for erasure) while a job's stay one (for status and purge).
    /// </summary>
    public static string UserRowPrefix(string psid) => $"u_{psid}_";

    public static string UserRowFor(string jobId, string psid) => UserRowPrefix(psid) + TokenKeys.Hash(jobId);

    /// <summary>The twin of the delivery record <paramref name="deliveryRow"/> (<c>d_&lt;hash(jobId)&gt;_&lt;psid&gt;</c>).</summary>
    public static string UserRowOf(string deliveryRow)
    {
        var separator = deliveryRow.IndexOf('_', 2);
        return UserRowPrefix(deliveryRow[(separator + 1)..]) + deliveryRow[2..separator];
    }

    /// <summary>The delivery record a twin row <c>u_&lt;psid&gt;_&lt;hash(jobId)&gt;</c> stands for.</summary>
    public static string RowOfUserRow(string userRow, string psid) => RowPrefixOfHash(userRow[UserRowPrefix(psid).Length..]) + psid;
}

public static class DeliveryState
{
    /// <summary>A token is reserved for this (job, user) and the message may be in flight.</summary>
    public const string Bound = "bound";
    public const string Sent = "sent";
    public const string TokenRejected = "tokenRejected";
    public const string UserUnavailable = "userUnavailable";
    public const string Failed = "failed";
}
