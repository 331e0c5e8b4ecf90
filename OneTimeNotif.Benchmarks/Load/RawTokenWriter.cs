using Azure.Data.Tables;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Benchmarks.Load;

/// <summary>
/// The storage ceiling for ingest: the very writes the host's token store makes for a batch (the expiry-index
/// upsert transaction per day partition, then a token Add transaction per topic partition, or a single Add for a
/// lone token), issued straight through Azure.Data.Tables with the library's own entity types, and nothing else:
/// no HTTP, no JSON, no signature, no deduplication.
/// </summary>
internal sealed class RawTokenWriter(TableServiceClient service)
{
    private const int MaxTransactionSize = 100;

    private readonly TableClient _tokens = service.GetTableClient(StorageTables.TokensTableName);
    private readonly TableClient _expiries = service.GetTableClient(StorageTables.ExpiriesTableName);

    public async Task CreateTablesAsync(CancellationToken cancellationToken)
    {
        await _tokens.CreateIfNotExistsAsync(cancellationToken);
        await _expiries.CreateIfNotExistsAsync(cancellationToken);
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
        var tokens = optIns.Select(TokenEntity.From).ToList();
        var expiryChunks = tokens.Select(TokenExpiryEntity.For).GroupBy(e => e.PartitionKey).SelectMany(g => g.Chunk(MaxTransactionSize));
        await Task.WhenAll(expiryChunks.Select(chunk =>
            _expiries.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken)));

        var tokenChunks = tokens.GroupBy(e => e.PartitionKey).SelectMany(g => g.Chunk(MaxTransactionSize));
        await Task.WhenAll(tokenChunks.Select(chunk => chunk.Length == 1
            ? (Task)_tokens.AddEntityAsync(chunk[0], cancellationToken)
            : _tokens.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)), cancellationToken)));
        return Outcome.Done(tokens.Count);
    }
}
