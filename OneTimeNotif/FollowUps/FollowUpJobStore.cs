using Azure;
using Azure.Data.Tables;
using OneTimeNotif.Privacy;
using OneTimeNotif.Storage;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// The record of each follow-up job, its state and its segments (table <c>OtnFollowUpJobs</c>). A job's status is
/// its job row and its segment rows: one point read and one range in the job's partition.
/// </summary>
public sealed class FollowUpJobStore(StorageTables tables, TableBatches batches, UserIndex users, TimeProvider time)
{
    private const int MaxConcurrencyAttempts = 5;

    private TableClient Jobs => tables.Jobs;

    /// <summary>Records a submitted job, or tells how it relates to the job already recorded under its ID.</summary>
    public async Task<JobRegistration> RegisterAsync(FollowUpJob job, JobState initialState, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        // The retention index first: a job without its index row would never be purged, while an index row
        // without a job (the add below failed, or the job existed) is only a row the purge skips.
        await tables.JobDays.UpsertEntityAsync(JobDayEntity.For(job.JobId, now), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        if (job.Psid is { } psid)
        {
            // A job that names a user is erased with the user; the user index must know of it before it exists.
            await users.RecordJobAsync(job.PageId, psid, JobEntity.Partition(job.JobId), cancellationToken).ConfigureAwait(false);
        }
        var entity = new JobEntity
        {
            PartitionKey = JobEntity.Partition(job.JobId),
            JobId = job.JobId,
            PageId = job.PageId,
            Payload = job.Payload,
            Psid = job.Psid,
            Job = job.ToJson(),
            State = initialState,
            CreatedAt = now,
            StateChangedAt = now,
        };
        try
        {
            await Jobs.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            return JobRegistration.Created;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = (await FindAsync(job.JobId, cancellationToken).ConfigureAwait(false))!;
            return existing.Job != entity.Job ? JobRegistration.Conflict(existing.Job, entity.Job) : JobRegistration.Existing(existing.State);
        }
    }

    /// <summary>Moves a job from one state to another unless someone else moved it first (ETag).</summary>
    internal async Task<bool> TryChangeStateAsync(string jobId, JobState from, JobState to, string? reason, CancellationToken cancellationToken)
    {
        var job = await FindAsync(jobId, cancellationToken).ConfigureAwait(false);
        return job is not null && job.State == from && await TryChangeAsync(job, to, reason, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops a running job with the reason an operator reads in its status. Only the state changes here: the
    /// caller closes the bindings it holds (<see cref="FollowUpProcessor"/>), and every other worker sees the stop
    /// before its next call to Meta (<see cref="JobStateGate"/>).
    /// </summary>
    public Task<bool> StopAsync(string jobId, string reason, CancellationToken cancellationToken = default) =>
        TryChangeStateAsync(jobId, JobState.Running, JobState.Stopped, reason, cancellationToken);

    /// <summary>Cancels a job that has not completed; the answer is the job as it is now (cancelled, completed, or null when unknown).</summary>
    internal async Task<JobEntity?> CancelAsync(string jobId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var job = await FindAsync(jobId, cancellationToken).ConfigureAwait(false);
            if (job is null || job.State is JobState.Completed or JobState.Cancelled)
            {
                return job;
            }
            if (await TryChangeAsync(job, JobState.Cancelled, null, cancellationToken).ConfigureAwait(false) || attempt == MaxConcurrencyAttempts)
            {
                return await FindAsync(jobId, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<bool> TryChangeAsync(JobEntity job, JobState to, string? reason, CancellationToken cancellationToken)
    {
        job.State = to;
        job.StopReason = reason;
        job.StateChangedAt = time.GetUtcNow();
        try
        {
            await Jobs.UpdateEntityAsync(job, job.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return false;
        }
    }

    internal async Task<JobEntity?> FindAsync(string jobId, CancellationToken cancellationToken)
    {
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var response = await Jobs.GetEntityIfExistsAsync<JobEntity>(JobEntity.Partition(jobId), JobEntity.Row, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.ValueOrNull();
    }

    /// <summary>
    /// Deletes a job that names an erased user: its retention index row (which carries the job ID), then every row of its
    /// partition (the job and its segments). Its delivery record goes with the user's others.
    /// </summary>
    /// <returns>Whether a job was there to delete.</returns>
    internal async Task<bool> EraseJobAsync(string jobPartition, CancellationToken cancellationToken)
    {
        var job = (await Jobs.GetEntityIfExistsAsync<JobEntity>(jobPartition, JobEntity.Row, cancellationToken: cancellationToken).ConfigureAwait(false)).ValueOrNull();
        if (job is not null)
        {
            var day = JobDayEntity.For(job.JobId, job.CreatedAt);
            await batches.DeleteAsync(tables.JobDays, day.PartitionKey, [day.RowKey], cancellationToken).ConfigureAwait(false);
        }
        var rows = new List<string>();
        await foreach (var row in Jobs.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {jobPartition}"), select: [nameof(ITableEntity.RowKey)], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row.RowKey);
        }
        // The job row last: while it exists, a retried erasure still finds its retention row.
        await batches.DeleteAsync(Jobs, jobPartition, rows.Where(r => r != JobEntity.Row), cancellationToken).ConfigureAwait(false);
        await batches.DeleteAsync(Jobs, jobPartition, rows.Where(r => r == JobEntity.Row), cancellationToken).ConfigureAwait(false);
        return job is not null;
    }

    /// <summary>
    /// Deletes one user's delivery records in a topic partition, found through their twin rows; returns how many. The
    /// records go before their twins, so a retry after a failure in between still finds them.
    /// </summary>
    internal async Task<int> EraseUserDeliveriesAsync(string tokenPartition, string psid, CancellationToken cancellationToken)
    {
        var twins = new List<string>();
        var filter = KeyRange.Filter(tokenPartition, DeliveryEntity.UserRowPrefix(psid));
        await foreach (var row in tables.Tokens.QueryAsync<TableEntity>(filter, select: [nameof(ITableEntity.RowKey)], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            twins.Add(row.RowKey);
        }
        var deleted = await batches.DeleteAsync(tables.Tokens, tokenPartition, twins.Select(t => DeliveryEntity.RowOfUserRow(t, psid)), cancellationToken).ConfigureAwait(false);
        await batches.DeleteAsync(tables.Tokens, tokenPartition, twins, cancellationToken).ConfigureAwait(false);
        return deleted.Applied;
    }

    internal async Task<SegmentEntity?> FindSegmentAsync(string jobId, string after, CancellationToken cancellationToken) =>
        (await Jobs.GetEntityIfExistsAsync<SegmentEntity>(JobEntity.Partition(jobId), SegmentEntity.RowFor(after), cancellationToken: cancellationToken).ConfigureAwait(false)).ValueOrNull();

    /// <summary>
    /// The segment's row, recorded now if it is not yet (insert only, so a segment already recorded, done or not,
    /// is never reset).
    /// </summary>
    internal async Task<SegmentEntity> GetOrAddSegmentAsync(string jobId, string after, CancellationToken cancellationToken) =>
        await FindSegmentAsync(jobId, after, cancellationToken).ConfigureAwait(false)
        ?? await AddSegmentAsync(jobId, after, cancellationToken).ConfigureAwait(false);

    private async Task<SegmentEntity> AddSegmentAsync(string jobId, string after, CancellationToken cancellationToken)
    {
        var segment = new SegmentEntity { PartitionKey = JobEntity.Partition(jobId), RowKey = SegmentEntity.RowFor(after), After = after };
        try
        {
            var response = await Jobs.AddEntityAsync(segment, cancellationToken).ConfigureAwait(false);
            segment.ETag = response.Headers.ETag ?? default;
            return segment;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return (await FindSegmentAsync(jobId, after, cancellationToken).ConfigureAwait(false))!;
        }
    }

    /// <summary>
    /// Fixes the segment's range the first time it is read; a concurrent copy that fixed it first wins, and its
    /// range is returned, so every copy of a segment serves the same rows.
    /// </summary>
    internal async Task<SegmentEntity> FixRangeAsync(SegmentEntity segment, string until, bool last, CancellationToken cancellationToken)
    {
        segment.Until = until;
        segment.Last = last;
        try
        {
            var response = await Jobs.UpdateEntityAsync(segment, segment.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            segment.ETag = response.Headers.ETag ?? default;
            return segment;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return (await Jobs.GetEntityAsync<SegmentEntity>(segment.PartitionKey, segment.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
    }

    /// <summary>
    /// Writes the counts of a segment's users after an attempt, and marks it done when every user has an outcome.
    /// Counts are whole (recounted by each attempt, not added to), so a retried or duplicated segment never counts
    /// a user twice; once a segment is done, only another done attempt writes it, and never resets it.
    /// </summary>
    internal async Task RecordTallyAsync(SegmentEntity segment, SegmentTally tally, bool done, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxConcurrencyAttempts; attempt++)
        {
            if (segment.Done && !done)
            {
                return;
            }
            tally.WriteTo(segment);
            segment.Done |= done;
            try
            {
                var response = await Jobs.UpdateEntityAsync(segment, segment.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                segment.ETag = response.Headers.ETag ?? default;
                return;
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                segment = (await Jobs.GetEntityAsync<SegmentEntity>(segment.PartitionKey, segment.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            }
        }
    }

    internal async Task<List<SegmentEntity>> GetSegmentsAsync(string jobId, CancellationToken cancellationToken)
    {
        var filter = KeyRange.Filter(JobEntity.Partition(jobId), SegmentEntity.RowPrefix);
        var segments = new List<SegmentEntity>();
        await foreach (var segment in Jobs.QueryAsync<SegmentEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            segments.Add(segment);
        }
        return segments;
    }

    /// <summary>
    /// Marks a running job completed once every segment is done and the last one is among them. Each segment
    /// records its successor before it is marked done, and checks after its own done is written, so of two
    /// segments finishing at once at least the later one sees both.
    /// </summary>
    internal async Task<bool> TryCompleteAsync(string jobId, CancellationToken cancellationToken) =>
        IsWalkOver(await GetSegmentsAsync(jobId, cancellationToken).ConfigureAwait(false))
        && await TryChangeStateAsync(jobId, JobState.Running, JobState.Completed, null, cancellationToken).ConfigureAwait(false);

    private static bool IsWalkOver(List<SegmentEntity> segments) => segments.Count > 0 && segments.All(s => s.Done) && segments.Any(s => s.Last);

    /// <summary>The job's state and counts: its row and its segment rows, never its delivery records.</summary>
    public async Task<FollowUpStatus?> GetStatusAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = await FindAsync(jobId, cancellationToken).ConfigureAwait(false);
        return job is null ? null : StatusOf(job, await GetSegmentsAsync(jobId, cancellationToken).ConfigureAwait(false));
    }

    internal static FollowUpStatus StatusOf(JobEntity job, List<SegmentEntity> segments)
    {
        var counts = segments.Aggregate(default(SegmentTally), (sum, s) => sum + s.ToTally());
        // A worker that died between marking the last segment done and completing the job leaves it running;
        // its segments say the truth.
        var state = job.State == JobState.Running && IsWalkOver(segments) ? JobState.Completed : job.State;
        return new FollowUpStatus(job.JobId, state, job.StopReason,
            counts.Sent, counts.TokenRejected, counts.UserUnavailable, counts.Failed, counts.Unknown, counts.Pending)
        {
            Deferred = counts.Deferred,
        };
    }
}

/// <summary>How a submitted job relates to what is recorded under its ID.</summary>
/// <param name="State">For <see cref="JobRegistrationKind.Existing"/>: the recorded job's state.</param>
/// <param name="Difference">For <see cref="JobRegistrationKind.Conflict"/>: where the two jobs part, for the reason given.</param>
public readonly record struct JobRegistration(JobRegistrationKind Kind, JobState State = JobState.Queued, string? Difference = null)
{
    public static readonly JobRegistration Created = new(JobRegistrationKind.Created);

    /// <summary>Says where the jobs part (lengths and the first character that differs), never what they say.</summary>
    public static JobRegistration Conflict(string recorded, string submitted)
    {
        var common = recorded.AsSpan().CommonPrefixLength(submitted);
        return new(JobRegistrationKind.Conflict, Difference:
            $"the recorded job is {recorded.Length} characters, this one {submitted.Length}; they differ from character {common}");
    }

    public static JobRegistration Existing(JobState state) => new(JobRegistrationKind.Existing, state);
}

public enum JobRegistrationKind
{
    Created,

    /// <summary>The same job was recorded before.</summary>
    Existing,

    /// <summary>The ID is recorded for a different job: refused, so no user is told the wrong thing.</summary>
    Conflict,
}

/// <summary>A job's state and outcome counts, for the services that submitted it.</summary>
/// <param name="Reason">Why a stopped job stopped.</param>
/// <param name="Unknown">Users whose call may have reached Meta without an answer: their token is spent, and they may have the message.</param>
/// <param name="Pending">Users with a token bound to the job whose message is in flight or waiting for a retry.</param>
public sealed record FollowUpStatus(
    string JobId,
    JobState State,
    string? Reason,
    int Sent,
    int TokenRejected,
    int UserUnavailable,
    int Failed,
    int Unknown,
    int Pending)
{
    /// <summary>
    /// Users whose only usable token is a recurring one sent within Meta's 48 hours: not messaged yet. While the job
    /// runs they are served once the token cools down; in a completed job, its time budget ran out first.
    /// </summary>
    public int Deferred { get; init; }
}
