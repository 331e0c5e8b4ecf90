using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Tokens;

/// <summary>Durable home of every opt-in token: Meta shows a token once and offers no API to list them later.</summary>
public sealed partial class TokenStore(StorageTables tables, ILogger<TokenStore> logger)
{
    /// <summary>Table Storage's limit on one entity-group transaction.</summary>
    private const int MaxTransactionSize = 100;

    /// <summary>Partitions are independent in Table Storage, so writing several at once cuts a batch's latency.</summary>
    private const int MaxParallelPartitions = 8;

    /// <summary>
    /// Stores every opt-in; returns only once all of them are durable. Saving an opt-in that is already stored
    /// changes nothing, so Meta's re-deliveries are harmless (and cannot revive a spent token).
    /// </summary>
    public async Task<SaveResult> SaveAsync(IReadOnlyCollection<OptIn> optIns, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(optIns);
        if (optIns.Count == 0)
        {
            return default;
        }
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);

        var entities = optIns.Select(TokenEntity.From).DistinctBy(e => (e.PartitionKey, e.RowKey)).ToList();
        var stored = 0;
        try
        {
            // The expiry index first: a token whose index row is missing would never be purged, while an index
            // row whose token write failed is only a row the purge skips.
            await WriteExpiryIndexAsync(entities, cancellationToken).ConfigureAwait(false);
            var chunks = entities.GroupBy(e => e.PartitionKey).SelectMany(g => g.Chunk(MaxTransactionSize));
            await Parallel.ForEachAsync(chunks, WithCancellation(cancellationToken), async (chunk, ct) =>
                Interlocked.Add(ref stored, await AddTokensAsync(chunk, ct).ConfigureAwait(false))).ConfigureAwait(false);
        }
        catch (RequestFailedException e)
        {
            tables.ForgetCreated(e);
            throw;
        }

        var result = new SaveResult(stored, entities.Count - stored);
        LogSaved(logger, result.Stored, result.AlreadyStored);
        return result;
    }

    /// <summary>
    /// The tokens stored for a topic on a Page, or only <paramref name="psid"/>'s, spent and expired ones included:
    /// one partition range read.
    /// </summary>
    public async IAsyncEnumerable<StoredToken> GetTokensAsync(
        string pageId,
        string payload,
        string? psid = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pageId);
        ArgumentNullException.ThrowIfNull(payload);
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var prefix = psid is null ? TokenKeys.AllTokensRowPrefix : TokenKeys.UserRowPrefix(psid);
        await foreach (var entity in tables.Tokens.QueryAsync<TokenEntity>(KeyRange.Filter(TokenKeys.Partition(pageId, payload), prefix), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            // Partitions are keyed by a hash of the payload; the stored payload settles a (theoretical) collision.
            if (entity.Payload == payload)
            {
                yield return entity.ToStoredToken();
            }
        }
    }

    /// <summary>
    /// Every stored token, or one Page's, spent and expired ones included, without the token values. A scan of the
    /// whole table (or of the Page's partitions): for operator tools, never for a request path.
    /// </summary>
    public async IAsyncEnumerable<TokenSummary> ScanAsync(string? pageId = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var rows = TokenKeys.AllTokensRowPrefix;
        // Token rows share their partitions with delivery records, so the row range keeps to tokens.
        var filter = pageId is null
            ? TableClient.CreateQueryFilter($"RowKey ge {rows} and RowKey lt {KeyRange.PrefixEnd(rows)}")
            : TableClient.CreateQueryFilter(
                $"PartitionKey ge {TokenKeys.PagePartitionPrefix(pageId)} and PartitionKey lt {KeyRange.PrefixEnd(TokenKeys.PagePartitionPrefix(pageId))} and RowKey ge {rows} and RowKey lt {KeyRange.PrefixEnd(rows)}");
        await foreach (var entity in tables.Tokens.QueryAsync<TokenEntity>(filter, select: TokenEntity.SummaryColumns, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return entity.ToSummary();
        }
    }

    /// <summary>
    /// What a purge run at <paramref name="now"/> would delete: the expiry index rows of past days and today's rows
    /// that expired by <paramref name="now"/> (the same range the purge reads), each with the token it points to.
    /// Reads only; deletes nothing.
    /// </summary>
    public async IAsyncEnumerable<ExpiredToken> FindExpiredAsync(DateTimeOffset now, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var filter = TokenExpiryEntity.ExpiredBy(now);
        string[] select = [nameof(TokenExpiryEntity.TokenPartitionKey), nameof(TokenExpiryEntity.TokenRowKey), nameof(TokenExpiryEntity.ExpiresAt)];
        var pages = tables.Expiries.QueryAsync<TokenExpiryEntity>(filter, select: select, cancellationToken: cancellationToken).AsPages();
        await foreach (var page in pages.ConfigureAwait(false))
        {
            var found = new ExpiredToken[page.Values.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, found.Length), WithCancellation(cancellationToken), async (i, ct) =>
            {
                var index = page.Values[i];
                var token = await tables.Tokens.GetEntityIfExistsAsync<TokenEntity>(index.TokenPartitionKey, index.TokenRowKey, TokenEntity.SummaryColumns, ct).ConfigureAwait(false);
                found[i] = new ExpiredToken(index.ExpiresAt, token.ValueOrNull()?.ToSummary());
            }).ConfigureAwait(false);
            foreach (var expired in found)
            {
                yield return expired;
            }
        }
    }

    /// <summary>One user's token rows in a topic partition, with their ETags, for binding.</summary>
    internal async Task<List<TokenEntity>> ReadUserTokensAsync(string partition, string psid, CancellationToken cancellationToken)
    {
        var tokens = new List<TokenEntity>();
        await foreach (var token in tables.Tokens.QueryAsync<TokenEntity>(KeyRange.Filter(partition, TokenKeys.UserRowPrefix(psid)), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            tokens.Add(token);
        }
        return tokens;
    }

    /// <summary>
    /// Up to <paramref name="size"/> of a topic's token rows after the row <paramref name="after"/> (empty: from the
    /// first), and whether more rows follow.
    /// </summary>
    internal async Task<(List<TokenEntity> Rows, bool More)> ReadTopicPageAsync(string partition, string after, int size, CancellationToken cancellationToken)
    {
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<TokenEntity>(size + 1);
        // One row more than asked tells whether more follow; the SDK walks any empty pages the service returns.
        var query = tables.Tokens.QueryAsync<TokenEntity>(TopicRange(partition, after, null), maxPerPage: size + 1, cancellationToken: cancellationToken);
        await foreach (var row in query.ConfigureAwait(false))
        {
            rows.Add(row);
            if (rows.Count > size)
            {
                rows.RemoveAt(size);
                return (rows, true);
            }
        }
        return (rows, false);
    }

    /// <summary>A topic's token rows after the row <paramref name="after"/> (empty: from the first) up to and including <paramref name="until"/>.</summary>
    internal async Task<List<TokenEntity>> ReadTopicRangeAsync(string partition, string after, string until, CancellationToken cancellationToken)
    {
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<TokenEntity>();
        await foreach (var row in tables.Tokens.QueryAsync<TokenEntity>(TopicRange(partition, after, until), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
        }
        return rows;
    }

    private static string TopicRange(string partition, string after, string? until)
    {
        var tokens = TokenKeys.AllTokensRowPrefix;
        var lower = after.Length == 0
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {tokens}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {after}");
        var upper = until is null
            ? TableClient.CreateQueryFilter($"RowKey lt {KeyRange.PrefixEnd(tokens)}")
            : TableClient.CreateQueryFilter($"RowKey le {until}");
        return $"{lower} and {upper}";
    }

    private async Task WriteExpiryIndexAsync(List<TokenEntity> tokens, CancellationToken cancellationToken)
    {
        var chunks = tokens.Select(TokenExpiryEntity.For).GroupBy(e => e.PartitionKey).SelectMany(g => g.Chunk(MaxTransactionSize));
        await Parallel.ForEachAsync(chunks, WithCancellation(cancellationToken), async (chunk, ct) =>
        {
            var actions = chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e));
            await tables.Expiries.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>Adds one partition's chunk in a single transaction; returns how many were new.</summary>
    private async Task<int> AddTokensAsync(TokenEntity[] chunk, CancellationToken cancellationToken)
    {
        if (chunk.Length > 1)
        {
            try
            {
                var actions = chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e));
                await tables.Tokens.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                return chunk.Length;
            }
            catch (TableTransactionFailedException e) when (e.Status == 409)
            {
                // Part of the chunk was stored before (a re-delivery): the transaction stored nothing, so add one by one.
            }
        }
        var added = 0;
        foreach (var entity in chunk)
        {
            added += await AddTokenAsync(entity, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }
        return added;
    }

    private async Task<bool> AddTokenAsync(TokenEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            await tables.Tokens.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    private static ParallelOptions WithCancellation(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = MaxParallelPartitions, CancellationToken = cancellationToken };

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Saved opt-in tokens: {Stored} new, {AlreadyStored} already stored")]
    private static partial void LogSaved(ILogger logger, int stored, int alreadyStored);
}
