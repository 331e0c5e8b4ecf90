using Azure.Data.Tables;
using OneTimeNotif.Benchmarks.Running;
using OneTimeNotif.Privacy;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Benchmarks.Load;

/// <summary>
/// The storage ceiling for ingest: the very calls the host's token store makes for a batch (the read of each Page's
/// latest erasure time; then, together, the expiry-index upsert transaction per shard partition and the user-index
/// upsert per user; then a token Add transaction per topic partition, or a single Add for a lone token), issued
/// straight through Azure.Data.Tables with the library's own entity types, and nothing else: no HTTP, no JSON, no
/// signature, no deduplication.
/// </summary>
internal sealed class RawTokenWriter(TableServiceClient service)
{
    private const int MaxTransactionSize = 100;

    private readonly TableClient _tokens = service.GetTableClient(StorageTables.TokensTableName);
    private readonly TableClient _expiries = service.GetTableClient(StorageTables.ExpiriesTableName);
    private readonly TableClient _users = service.GetTableClient(StorageTables.UsersTableName);
    private readonly UserIndex _userIndex = IndexOf(service);

    public async Task CreateTablesAsync(CancellationToken cancellationToken)
    {
        await _tokens.CreateIfNotExistsAsync(cancellationToken);
        await _expiries.CreateIfNotExistsAsync(cancellationToken);
        await _users.CreateIfNotExistsAsync(cancellationToken);
    }

    public async Task<Outcome> WriteAsync(IReadOnlyList<OptIn> optIns, CancellationToken cancellationToken)
    {
        try
        {
            return await WriteBatchAsync(optIns, cancellationToken);
        }
        catch (Azure.RequestFailedException e)
        {
            return Outcome.Failed($"storage {e.Status} {e.ErrorCode}");
        }
    }

    private async Task<Outcome> WriteBatchAsync(IReadOnlyList<OptIn> optIns, CancellationToken cancellationToken)
    {
        await Task.WhenAll(optIns.Select(o => o.PageId).Distinct().Select(pageId =>
        {
            var (partition, row) = UserIndex.PageLatestKeys(pageId);
            return _users.GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
        }));
        var tokens = optIns.Select(TokenEntity.From).ToList();
        var expiryChunks = tokens.Select(TokenExpiryEntity.For).GroupBy(e => e.PartitionKey).SelectMany(g => g.Chunk(MaxTransactionSize));
        var userChunks = tokens.Select(t => _userIndex.TopicRow(t.PageId, t.Psid, t.PartitionKey)).GroupBy(e => e.PartitionKey).SelectMany(g => g.Chunk(MaxTransactionSize));
        await Task.WhenAll(
            expiryChunks.Select(chunk => UpsertAsync(_expiries, chunk, cancellationToken))
            .Concat(userChunks.Select(chunk => UpsertAsync(_users, chunk, cancellationToken))));

        var tokenChunks = tokens.GroupBy(e => e.PartitionKey).SelectMany(g => g.Chunk(MaxTransactionSize));
        await Task.WhenAll(tokenChunks.Select(chunk => chunk.Length == 1
            ? (Task)_tokens.AddEntityAsync(chunk[0], cancellationToken)
            : _tokens.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)), cancellationToken)));
        return Outcome.Done(tokens.Count);
    }

    /// <summary>The host's user index, for its row layout and key (the App Secret the benchmark's host runs with).</summary>
    private static UserIndex IndexOf(TableServiceClient service)
    {
        var tables = new StorageTables(service);
        return new UserIndex(tables, new TableBatches(tables), LocalSecrets.UserKey);
    }

    private static Task UpsertAsync(TableClient table, ITableEntity[] chunk, CancellationToken cancellationToken) => chunk.Length == 1
        ? table.UpsertEntityAsync(chunk[0], TableUpdateMode.Replace, cancellationToken)
        : table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken);
}
