using Azure;
using Azure.Data.Tables;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Privacy;

/// <summary>
/// The per-user index (table <c>OtnUsers</c>): for each (Page, user), the token partitions where the user has rows and
/// the follow-up jobs that name the user, so that erasing a user is a read of one partition instead of a scan of the
/// store; and the user's erasure marker. Keyed by <see cref="UserKey"/>: no row here holds a PSID.
/// </summary>
/// <remarks>
/// Writers record here before they write what is recorded (as with the expiry index): an index row without data only
/// costs an erasure an empty read, while data without an index row could never be found to be erased.
/// </remarks>
public sealed class UserIndex(StorageTables tables, TableBatches batches, UserKey userKey)
{
    private const string TopicPrefix = "t_";
    private const string JobPrefix = "j_";
    private const string ErasedRow = "erased";

    /// <summary>Per Page, the time of its latest erasure: partition <c>&lt;pageId&gt;_erasures</c> (no user key is "erasures").</summary>
    private const string PageErasuresSuffix = "_erasures";
    private const string LatestRow = "latest";

    private TableClient Users => tables.Users;

    /// <summary>Records the token partitions where each user has tokens: one write per user (upserts, so re-recording changes nothing).</summary>
    internal Task RecordTopicsAsync(IEnumerable<(string PageId, string Psid, string TokenPartition)> rows, CancellationToken cancellationToken) =>
        batches.UpsertAsync(
            Users,
            rows.Select(r => TopicRow(r.PageId, r.Psid, r.TokenPartition)).DistinctBy(e => (e.PartitionKey, e.RowKey)),
            cancellationToken);

    /// <summary>Records a follow-up job that names the user (a targeted job), by the job's partition.</summary>
    internal Task RecordJobAsync(string pageId, string psid, string jobPartition, CancellationToken cancellationToken) =>
        Users.UpsertEntityAsync(new TableEntity(Partition(pageId, psid), JobPrefix + jobPartition), TableUpdateMode.Replace, cancellationToken);

    /// <summary>
    /// The opt-ins to store: those of users never erased, and those made after the user's erasure. Meta re-delivers
    /// events, and an opt-in from before an erasure must not bring the user's data back.
    /// </summary>
    /// <remarks>
    /// One read per Page in the batch: only opt-ins made before the Page's latest erasure can belong to an erased user,
    /// and only their users' markers are read. Opt-ins arrive seconds after they are made and erasures are rare, so
    /// the per-user reads are for Meta's late re-deliveries.
    /// </remarks>
    internal async Task<(IReadOnlyCollection<OptIn> Kept, int Dropped)> WithoutErasedAsync(IReadOnlyCollection<OptIn> optIns, CancellationToken cancellationToken)
    {
        if (optIns.Count == 0)
        {
            return (optIns, 0);
        }
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var pages = optIns.Select(o => o.PageId).Distinct().ToList();
        var latest = new DateTimeOffset?[pages.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, pages.Count), TableBatches.InParallel(cancellationToken), async (i, ct) =>
            latest[i] = (await ReadPageLatestAsync(pages[i], ct).ConfigureAwait(false))?.ErasedAt).ConfigureAwait(false);
        var pageLatest = pages.Zip(latest).Where(p => p.Second is not null).ToDictionary(p => p.First, p => p.Second!.Value);
        var users = optIns
            .Where(o => pageLatest.TryGetValue(o.PageId, out var at) && o.OptedInAt <= at)
            .Select(o => (o.PageId, o.Psid)).Distinct().ToList();
        if (users.Count == 0)
        {
            return (optIns, 0);
        }
        var erasedAt = new DateTimeOffset?[users.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, users.Count), TableBatches.InParallel(cancellationToken), async (i, ct) =>
            erasedAt[i] = await ErasedAtAsync(users[i].PageId, users[i].Psid, ct).ConfigureAwait(false)).ConfigureAwait(false);
        var erased = users.Zip(erasedAt).Where(u => u.Second is not null).ToDictionary(u => u.First, u => u.Second!.Value);
        if (erased.Count == 0)
        {
            return (optIns, 0);
        }
        var kept = optIns.Where(o => !erased.TryGetValue((o.PageId, o.Psid), out var at) || o.OptedInAt > at).ToList();
        return (kept, optIns.Count - kept.Count);
    }

    internal async Task<DateTimeOffset?> ErasedAtAsync(string pageId, string psid, CancellationToken cancellationToken)
    {
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var marker = await Users.GetEntityIfExistsAsync<TableEntity>(Partition(pageId, psid), ErasedRow, [nameof(ErasureMarker.ErasedAt)], cancellationToken).ConfigureAwait(false);
        return marker.HasValue ? marker.Value!.GetDateTimeOffset(nameof(ErasureMarker.ErasedAt)) : null;
    }

    /// <summary>
    /// Remembers that the user was erased at <paramref name="at"/>: the keyed hash and the time, nothing else; and moves
    /// the Page's latest erasure time up, which tells the webhook when to read user markers at all.
    /// </summary>
    internal async Task MarkErasedAsync(string pageId, string psid, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await Users.UpsertEntityAsync(new ErasureMarker { PartitionKey = Partition(pageId, psid), RowKey = ErasedRow, ErasedAt = at }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        await RaisePageLatestAsync(pageId, at, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Only ever later: two erasures at once must not leave the earlier time, or an opt-in could skip its check.</summary>
    private async Task RaisePageLatestAsync(string pageId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        while (true)
        {
            var current = await ReadPageLatestAsync(pageId, cancellationToken).ConfigureAwait(false);
            if (current?.ErasedAt >= at)
            {
                return;
            }
            var latest = new ErasureMarker { PartitionKey = PageLatestPartition(pageId), RowKey = LatestRow, ErasedAt = at };
            try
            {
                if (current is null)
                {
                    await Users.AddEntityAsync(latest, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await Users.UpdateEntityAsync(latest, current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }
                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // Another erasure moved it meanwhile: read again, and raise it only if it is still earlier.
            }
        }
    }

    private async Task<ErasureMarker?> ReadPageLatestAsync(string pageId, CancellationToken cancellationToken) =>
        (await Users.GetEntityIfExistsAsync<ErasureMarker>(PageLatestPartition(pageId), LatestRow, cancellationToken: cancellationToken).ConfigureAwait(false)).ValueOrNull();

    /// <summary>The index row saying that the user has tokens in <paramref name="tokenPartition"/> (the benchmark's raw writer writes it too).</summary>
    internal TableEntity TopicRow(string pageId, string psid, string tokenPartition) => new(Partition(pageId, psid), TopicPrefix + tokenPartition);

    /// <summary>Where the Page's latest erasure time is kept: the one row the webhook reads per Page.</summary>
    internal static (string PartitionKey, string RowKey) PageLatestKeys(string pageId) => (PageLatestPartition(pageId), LatestRow);

    private static string PageLatestPartition(string pageId) => pageId + PageErasuresSuffix;

    /// <summary>What is recorded for the user: one partition read.</summary>
    internal async Task<UserEntries> ReadAsync(string pageId, string psid, CancellationToken cancellationToken)
    {
        var partition = Partition(pageId, psid);
        var topics = new List<string>();
        var jobs = new List<string>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        await foreach (var row in Users.QueryAsync<TableEntity>(filter, select: [nameof(ITableEntity.RowKey)], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey.StartsWith(TopicPrefix, StringComparison.Ordinal))
            {
                topics.Add(row.RowKey[TopicPrefix.Length..]);
            }
            else if (row.RowKey.StartsWith(JobPrefix, StringComparison.Ordinal))
            {
                jobs.Add(row.RowKey[JobPrefix.Length..]);
            }
        }
        return new UserEntries(topics, jobs);
    }

    /// <summary>Deletes the user's index rows (not the erasure marker): the last step of an erasure.</summary>
    internal Task RemoveAsync(string pageId, string psid, UserEntries entries, CancellationToken cancellationToken) =>
        batches.DeleteAsync(
            Users,
            Partition(pageId, psid),
            entries.TokenPartitions.Select(t => TopicPrefix + t).Concat(entries.JobPartitions.Select(j => JobPrefix + j)),
            cancellationToken);

    private string Partition(string pageId, string psid) => $"{pageId}_{userKey.Of(pageId, psid)}";

    private sealed class ErasureMarker : TableRow
    {
        public DateTimeOffset ErasedAt { get; set; }
    }
}

/// <summary>Where a user's data is: token partitions (tokens and delivery records) and the partitions of jobs naming the user.</summary>
internal sealed record UserEntries(IReadOnlyList<string> TokenPartitions, IReadOnlyList<string> JobPartitions);
