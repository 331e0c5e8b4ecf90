using Azure;
using Azure.Data.Tables;
using OneTimeNotif.Privacy;
using OneTimeNotif.Purge;
using OneTimeNotif.Storage;

namespace OneTimeNotif.FollowUps;

/// <summary>The record of each follow-up job and its segments (table <c>OtnFollowUpJobs</c>).</summary>
public sealed class FollowUpJobs(StorageTables tables, TableBatches batches, UserIndex users, TimeProvider time)
{
    private TableClient Jobs => tables.Jobs;

    /// <summary>Records a submitted job, or tells how it relates to the job already recorded under its ID.</summary>
    public async Task<JobRegistration> RegisterAsync(FollowUpJob job, string initialState, CancellationToken cancellationToken = default)
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
        };
        try
        {
            await Jobs.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            return JobRegistration.Created;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var existing = (await FindAsync(job.JobId, cancellationToken).ConfigureAwait(false))!;
            return existing.Job != entity.Job ? JobRegistration.Conflict : JobRegistration.Existing(existing.State);
        }
    }

    /// <summary>Moves a job from one state to another unless someone else moved it first.</summary>
    internal async Task<bool> TryChangeStateAsync(string jobId, string from, string to, string? reason, CancellationToken cancellationToken)
    {
        var job = await FindAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null || job.State != from)
        {
            return false;
        }
        job.State = to;
        job.StopReason = reason;
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

    /// <summary>Whether the segment starting at <paramref name="cursor"/> was enqueued already (a retried segment enqueues nothing twice).</summary>
    internal async Task<bool> WasSegmentEnqueuedAsync(string jobId, string? cursor, CancellationToken cancellationToken)
    {
        var row = await Jobs.GetEntityIfExistsAsync<SegmentEntity>(JobEntity.Partition(jobId), SegmentEntity.RowFor(cursor), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue;
    }

    internal Task RecordSegmentAsync(string jobId, string? cursor, bool done, bool last, CancellationToken cancellationToken) =>
        Jobs.UpsertEntityAsync(
            new SegmentEntity { PartitionKey = JobEntity.Partition(jobId), RowKey = SegmentEntity.RowFor(cursor), Done = done, Last = last },
            TableUpdateMode.Replace,
            cancellationToken);

    /// <summary>The job's counts, read from its delivery records: one range in the topic's partition.</summary>
    public async Task<FollowUpStatus?> GetStatusAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = await FindAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return null;
        }
        var counts = new Dictionary<string, int>();
        var filter = KeyRange.Filter(Tokens.TokenKeys.Partition(job.PageId, job.Payload), DeliveryEntity.RowPrefix(jobId));
        await foreach (var delivery in tables.Tokens.QueryAsync<DeliveryEntity>(filter, select: [nameof(DeliveryEntity.State)], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            counts[delivery.State] = counts.GetValueOrDefault(delivery.State) + 1;
        }
        var pending = counts.GetValueOrDefault(DeliveryState.Bound);
        var state = job.State == JobState.Running && pending == 0 && await AllSegmentsDoneAsync(jobId, cancellationToken).ConfigureAwait(false)
            ? JobState.Completed
            : job.State;
        return new FollowUpStatus(jobId, state, job.StopReason, counts.GetValueOrDefault(DeliveryState.Sent),
            counts.GetValueOrDefault(DeliveryState.TokenRejected), counts.GetValueOrDefault(DeliveryState.UserUnavailable),
            counts.GetValueOrDefault(DeliveryState.Failed), pending);
    }

    /// <summary>Each segment records its successor before it is marked done, so "all done, one last" means the walk is over.</summary>
    private async Task<bool> AllSegmentsDoneAsync(string jobId, CancellationToken cancellationToken)
    {
        var segments = await GetSegmentsAsync(jobId, cancellationToken).ConfigureAwait(false);
        return segments.Count > 0 && segments.All(s => s.Done) && segments.Any(s => s.Last);
    }

    private async Task<List<SegmentEntity>> GetSegmentsAsync(string jobId, CancellationToken cancellationToken)
    {
        var filter = KeyRange.Filter(JobEntity.Partition(jobId), SegmentEntity.RowPrefix);
        var segments = new List<SegmentEntity>();
        await foreach (var segment in Jobs.QueryAsync<SegmentEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            segments.Add(segment);
        }
        return segments;
    }
}

/// <summary>How a submitted job relates to what is recorded under its ID.</summary>
/// <param name="State">For <see cref="JobRegistrationKind.Existing"/>: the recorded job's state.</param>
public readonly record struct JobRegistration(JobRegistrationKind Kind, string? State = null)
{
    public static readonly JobRegistration Created = new(JobRegistrationKind.Created);
    public static readonly JobRegistration Conflict = new(JobRegistrationKind.Conflict);

    public static JobRegistration Existing(string state) => new(JobRegistrationKind.Existing, state);
}

public enum JobRegistrationKind
{
    Created,

    /// <summary>The same job was recorded before.</summary>
    Existing,

    /// <summary>The ID is recorded for a different job: refused, so no user is told the wrong thing.</summary>
    Conflict,
}

/// <summary>A job's outcome counts, for the services that submitted it.</summary>
/// <param name="Pending">Users with a token bound to the job whose message is in flight or waiting for a retry.</param>
public sealed record FollowUpStatus(
    string JobId,
    string State,
    string? Reason,
    int Sent,
    int TokenRejected,
    int UserUnavailable,
    int Failed,
    int Pending);
