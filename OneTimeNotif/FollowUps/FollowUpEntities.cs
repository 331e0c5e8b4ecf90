using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Serialization;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// Where a follow-up job is in its life (see docs/delivery.md): <c>queued → running → completed | stopped | cancelled</c>.
/// A stopped job runs again when it is submitted again; completed and cancelled are final.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobState>))]
public enum JobState
{
    /// <summary>Accepted over HTTP, its queue message not served yet.</summary>
    [JsonStringEnumMemberName("queued")]
    Queued,

    [JsonStringEnumMemberName("running")]
    Running,

    /// <summary>Every segment served: every recipient has an outcome.</summary>
    [JsonStringEnumMemberName("completed")]
    Completed,

    /// <summary>Halted with a reason (a configuration fault, a segment that kept failing); submitting the job again resumes it.</summary>
    [JsonStringEnumMemberName("stopped")]
    Stopped,

    /// <summary>Cancelled by <c>DELETE /api/followups/{jobId}</c>: no call starts any more; final.</summary>
    [JsonStringEnumMemberName("cancelled")]
    Cancelled,
}

/// <summary>What one (job, user) delivery record says.</summary>
public enum DeliveryState
{
    /// <summary>A token is reserved for this (job, user) and the message may be in flight.</summary>
    Bound,
    Sent,
    TokenRejected,
    UserUnavailable,
    Failed,

    /// <summary>The last call may have reached Meta (a timeout, a 5xx, a lost connection): the token is spent, the user may have the message.</summary>
    Unknown,

    /// <summary>
    /// The user's only usable token is a recurring one sent within Meta's interval (or Meta said so, 4/2018354): no
    /// token is bound. Served once the token cools down if the job's time budget allows; else the job's final word.
    /// </summary>
    Deferred,
}

public static class JobStateNames
{
    /// <summary>The names the API gives the states (their <see cref="JsonStringEnumMemberNameAttribute"/>), read once.</summary>
    private static readonly FrozenDictionary<JobState, string> Names = Enum.GetValues<JobState>().ToFrozenDictionary(
        state => state,
        state => typeof(JobState).GetField(state.ToString())!.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()!.Name);

    /// <summary>The name the API, the CLI and the docs use: <c>running</c>, <c>stopped</c>...</summary>
    public static string ToName(this JobState state) =>
        Names.TryGetValue(state, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(state), state, null);

    /// <summary>Completed, stopped or cancelled: nothing more happens until someone acts.</summary>
    public static bool IsSettled(this JobState state) => state is JobState.Completed or JobState.Stopped or JobState.Cancelled;
}

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

    public JobState State { get; set; } = JobState.Queued;

    /// <summary>Why the job stopped, in words an operator can act on.</summary>
    public string? StopReason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When <see cref="State"/> last changed: a stopped job is kept for the retention after it stopped.</summary>
    public DateTimeOffset? StateChangedAt { get; set; }

    public static string Partition(string jobId) => $"j_{TokenKeys.Hash(jobId)}";
}

/// <summary>
/// One segment of a fan-out, in the job's partition: the token rows after <see cref="After"/> up to and including
/// <see cref="Until"/>. Its range is stored so that the segment can always be served again (a retry, a resumed job)
/// over the same rows, and its counts are kept here so a job's status costs one read per segment.
/// </summary>
internal sealed class SegmentEntity : TableRow
{
    public const string RowPrefix = "s_";

    /// <summary>The last token row of the previous segment (exclusive); empty for the first segment.</summary>
    public string After { get; set; } = "";

    /// <summary>The last token row of this segment (inclusive), fixed when the segment is first read; null until then.</summary>
    public string? Until { get; set; }

    /// <summary>The topic's tokens end in this segment: once it and all before it are done, the job is complete.</summary>
    public bool Last { get; set; }

    /// <summary>Every user of the segment has an outcome. Set once, never reset.</summary>
    public bool Done { get; set; }

    public int Sent { get; set; }
    public int TokenRejected { get; set; }
    public int UserUnavailable { get; set; }
    public int Failed { get; set; }
    public int Unknown { get; set; }
    public int Pending { get; set; }
    public int Deferred { get; set; }

    public static string RowFor(string after) => RowPrefix + TokenKeys.Hash(after);

    public SegmentTally ToTally() => new(Sent, TokenRejected, UserUnavailable, Failed, Unknown, Pending, Deferred);
}

/// <summary>The outcome counts of a segment's users (or, summed, of a job's).</summary>
internal readonly record struct SegmentTally(int Sent, int TokenRejected, int UserUnavailable, int Failed, int Unknown, int Pending, int Deferred = 0)
{
    /// <param name="recorded">Each user's delivery state after the attempt; null for a user with no delivery record.</param>
    public static SegmentTally Of(IEnumerable<DeliveryState?> recorded)
    {
        var counts = recorded.OfType<DeliveryState>().CountBy(s => s).ToDictionary();
        return new SegmentTally(
            counts.GetValueOrDefault(DeliveryState.Sent),
            counts.GetValueOrDefault(DeliveryState.TokenRejected),
            counts.GetValueOrDefault(DeliveryState.UserUnavailable),
            counts.GetValueOrDefault(DeliveryState.Failed),
            counts.GetValueOrDefault(DeliveryState.Unknown),
            counts.GetValueOrDefault(DeliveryState.Bound),
            counts.GetValueOrDefault(DeliveryState.Deferred));
    }

    public static SegmentTally operator +(SegmentTally a, SegmentTally b) => new(
        a.Sent + b.Sent, a.TokenRejected + b.TokenRejected, a.UserUnavailable + b.UserUnavailable,
        a.Failed + b.Failed, a.Unknown + b.Unknown, a.Pending + b.Pending, a.Deferred + b.Deferred);

    public void WriteTo(SegmentEntity segment)
    {
        segment.Sent = Sent;
        segment.TokenRejected = TokenRejected;
        segment.UserUnavailable = UserUnavailable;
        segment.Failed = Failed;
        segment.Unknown = Unknown;
        segment.Pending = Pending;
        segment.Deferred = Deferred;
    }
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

    public DeliveryState State { get; set; } = DeliveryState.Bound;

    /// <summary>
    /// A call with the bound token ended without an answer that says it was not delivered (a timeout, a 5xx): the
    /// token may be spent, so the binding is never released, only followed again or closed as <see cref="DeliveryState.Unknown"/>.
    /// </summary>
    public bool MayHaveReachedMeta { get; set; }

    public string? MessageId { get; set; }
    public string? Reason { get; set; }

    /// <summary>
    /// A recurring token's <see cref="TokenEntity.LastSentAt"/> before this binding marked it sent: put back when the
    /// binding is released (no call reached Meta), so the token is not kept cooling for a message never sent.
    /// </summary>
    public DateTimeOffset? TokenLastSentBefore { get; set; }

    /// <summary>For <see cref="DeliveryState.Deferred"/>: when the user's recurring token may be sent again.</summary>
    public DateTimeOffset? DeferredUntil { get; set; }

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
