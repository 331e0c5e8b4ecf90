using Azure;
using Azure.Data.Tables;

namespace OneTimeNotif.Storage;

/// <summary>
/// The one way OneTimeNotif writes or deletes many rows: grouped by partition, up to 100 rows per entity-group
/// transaction, several partitions at once, tables created on first use. When a transaction fails because of one of
/// its rows (already there, already gone, refused by storage), the transaction stored nothing, so that chunk is
/// written row by row: the other rows still go through and the odd one is reported, never thrown.
/// </summary>
public sealed class TableBatches(StorageTables tables)
{
    /// <summary>Table Storage's limit on one entity-group transaction.</summary>
    public const int MaxTransactionSize = 100;

    /// <summary>Partitions are independent in Table Storage, so working on several at once cuts a batch's latency.</summary>
    public const int MaxParallelPartitions = 8;

    /// <summary>How every piece that works on several partitions at once bounds itself: <see cref="MaxParallelPartitions"/>.</summary>
    public static ParallelOptions InParallel(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = MaxParallelPartitions, CancellationToken = cancellationToken };

    /// <summary>Adds rows that do not exist yet; a row that exists is left as it is (counted as unchanged).</summary>
    public Task<BatchOutcome> AddAsync(TableClient table, IEnumerable<ITableEntity> entities, CancellationToken cancellationToken = default) =>
        SubmitAsync(table, entities, TableTransactionActionType.Add, cancellationToken);

    /// <summary>Writes rows whole, whether they exist or not.</summary>
    public Task<BatchOutcome> UpsertAsync(TableClient table, IEnumerable<ITableEntity> entities, CancellationToken cancellationToken = default) =>
        SubmitAsync(table, entities, TableTransactionActionType.UpsertReplace, cancellationToken);

    /// <summary>Deletes rows by key, whatever their ETag; a row already gone is not an error (counted as unchanged).</summary>
    public Task<BatchOutcome> DeleteAsync(TableClient table, IEnumerable<ITableEntity> keys, CancellationToken cancellationToken = default) =>
        SubmitAsync(table, keys, TableTransactionActionType.Delete, cancellationToken);

    /// <summary>Deletes rows of one partition by row key.</summary>
    public Task<BatchOutcome> DeleteAsync(TableClient table, string partitionKey, IEnumerable<string> rowKeys, CancellationToken cancellationToken = default) =>
        DeleteAsync(table, rowKeys.Select(rowKey => (ITableEntity)new TableEntity(partitionKey, rowKey)), cancellationToken);

    /// <summary>
    /// Deletes the rows of one partition whose row keys start with <paramref name="rowKeyPrefix"/>, a page at a time
    /// (only the keys are read); <paramref name="onRead"/> hears how many rows each page returned.
    /// </summary>
    public async Task<int> DeleteRangeAsync(TableClient table, string partitionKey, string rowKeyPrefix, Action<int>? onRead = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var deleted = 0;
        var pages = table.QueryAsync<TableEntity>(KeyRange.Filter(partitionKey, rowKeyPrefix), select: [nameof(ITableEntity.RowKey)], cancellationToken: cancellationToken).AsPages();
        await foreach (var page in pages.ConfigureAwait(false))
        {
            onRead?.Invoke(page.Values.Count);
            deleted += (await DeleteAsync(table, partitionKey, page.Values.Select(e => e.RowKey), cancellationToken).ConfigureAwait(false)).Applied;
        }
        return deleted;
    }

    private async Task<BatchOutcome> SubmitAsync(TableClient table, IEnumerable<ITableEntity> entities, TableTransactionActionType kind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(entities);
        var chunks = entities.GroupBy(e => e.PartitionKey).SelectMany(g => g.Chunk(MaxTransactionSize)).ToList();
        var outcome = new BatchTally();
        if (chunks.Count == 0)
        {
            return outcome.ToOutcome();
        }
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var parallel = InParallel(cancellationToken);
            await Parallel.ForEachAsync(chunks, parallel, (chunk, ct) => new ValueTask(SubmitChunkAsync(table, chunk, kind, outcome, ct))).ConfigureAwait(false);
        }
        catch (RequestFailedException e)
        {
            tables.ForgetCreated(e);
            throw;
        }
        return outcome.ToOutcome();
    }

    private static async Task SubmitChunkAsync(TableClient table, ITableEntity[] chunk, TableTransactionActionType kind, BatchTally outcome, CancellationToken cancellationToken)
    {
        if (chunk.Length > 1)
        {
            try
            {
                var actions = chunk.Select(e => new TableTransactionAction(kind, e, kind == TableTransactionActionType.Delete ? ETag.All : default));
                await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                outcome.Applied(chunk.Length);
                return;
            }
            catch (TableTransactionFailedException e) when (IsAboutOneRow(e, kind))
            {
                // A transaction fails whole, so nothing of it was written: row by row, the odd row is found and the
                // others still go through.
            }
        }
        foreach (var entity in chunk)
        {
            await SubmitRowAsync(table, entity, kind, outcome, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task SubmitRowAsync(TableClient table, ITableEntity entity, TableTransactionActionType kind, BatchTally outcome, CancellationToken cancellationToken)
    {
        try
        {
            var response = kind switch
            {
                TableTransactionActionType.Add => await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false),
                TableTransactionActionType.UpsertReplace => await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false),
                TableTransactionActionType.Delete => await table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, ETag.All, cancellationToken).ConfigureAwait(false),
                _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only adds, replacing upserts and deletes are batched."),
            };
            if (response.Status == 404)
            {
                outcome.Unchanged(null);
                return;
            }
            outcome.Applied(1);
        }
        catch (RequestFailedException e) when (IsUnchanged(e, kind))
        {
            outcome.Unchanged(kind == TableTransactionActionType.Add ? entity : null);
        }
        catch (RequestFailedException e) when (StorageRefusal.IsAboutTheEntity(e))
        {
            outcome.Refused(new RefusedEntity(entity, e.Status, e.ErrorCode));
        }
    }

    private static bool IsAboutOneRow(RequestFailedException e, TableTransactionActionType kind) =>
        IsUnchanged(e, kind) || StorageRefusal.IsAboutTheEntity(e);

    /// <summary>An add that meets its row, or a delete that misses it: what the caller asked for is already so.</summary>
    private static bool IsUnchanged(RequestFailedException e, TableTransactionActionType kind) => kind switch
    {
        TableTransactionActionType.Add => e.Status == 409 && e.ErrorCode is null or "EntityAlreadyExists",
        TableTransactionActionType.Delete => e.Status == 404 && e.ErrorCode is null or "ResourceNotFound" or "EntityNotFound",
        _ => false,
    };

    /// <summary>Counts shared by the partitions written in parallel.</summary>
    private sealed class BatchTally
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<RefusedEntity> _refused = new();
        private readonly System.Collections.Concurrent.ConcurrentQueue<ITableEntity> _existing = new();
        private int _applied;
        private int _unchanged;

        public void Applied(int count) => Interlocked.Add(ref _applied, count);

        /// <param name="existing">For an add: the row asked for, which was found already stored.</param>
        public void Unchanged(ITableEntity? existing)
        {
            Interlocked.Increment(ref _unchanged);
            if (existing is not null)
            {
                _existing.Enqueue(existing);
            }
        }

        public void Refused(RefusedEntity entity) => _refused.Enqueue(entity);

        public BatchOutcome ToOutcome() => new(Volatile.Read(ref _applied), Volatile.Read(ref _unchanged), [.. _refused]) { Existing = [.. _existing] };
    }
}

/// <summary>What a batch did.</summary>
/// <param name="Applied">Rows added, written or deleted by this call.</param>
/// <param name="Unchanged">Rows already as asked: an add that found its row, a delete whose row was gone.</param>
/// <param name="Refused">Rows storage will never take as they are (a property too large, an invalid value).</param>
public sealed record BatchOutcome(int Applied, int Unchanged, IReadOnlyList<RefusedEntity> Refused)
{
    /// <summary>For adds: the rows asked for that were found already stored (the caller may have more to say to them).</summary>
    public IReadOnlyList<ITableEntity> Existing { get; init; } = [];
}

/// <summary>A row storage refused, with its answer (the status and error code name the reason; no property value).</summary>
public sealed record RefusedEntity(ITableEntity Entity, int Status, string? ErrorCode);
