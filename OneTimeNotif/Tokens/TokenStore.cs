using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using OneTimeNotif.Privacy;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Tokens;

/// <summary>Durable home of every opt-in token: Meta shows a token once and offers no API to list them later.</summary>
public sealed partial class TokenStore(StorageTables tables, TableBatches batches, UserIndex users, ILogger<TokenStore> logger)
{
    private readonly ExpiryIndex _expiries = new(tables);

    /// <summary>
    /// Stores every opt-in storage can hold; returns only once all of them are durable. Saving an opt-in that is
    /// already stored changes nothing, so Meta's re-deliveries are harmless (and cannot revive a spent token). An
    /// opt-in storage can never hold (a payload or token over a table property's 32,768 characters, or one storage
    /// refuses for its content) is skipped and logged with its Page and the reason: retrying it could never succeed,
    /// and failing the batch for it would lose its siblings once Meta gives up on the webhook. An opt-in of an erased
    /// user made before the erasure is not stored again, nor is a later stop or resume of a token the erasure deleted.
    /// </summary>
    public async Task<SaveResult> SaveAsync(IReadOnlyCollection<OptIn> optIns, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(optIns);
        if (optIns.Count == 0)
        {
            return default;
        }
        var storable = optIns.Where(FitsStorage).ToList();
        var (kept, erased) = await users.WithoutErasedAsync(storable, cancellationToken).ConfigureAwait(false);
        var (current, erasedTokens) = await WithoutChangesToErasedTokensAsync(kept, cancellationToken).ConfigureAwait(false);
        erased += erasedTokens;
        var entities = LatestPerToken(current.Select(TokenEntity.From));

        // The indexes first: a token whose expiry row is missing would never be purged, and one missing from the user
        // index could never be erased, while an index row whose token write failed is only a row skipped.
        await Task.WhenAll(
            batches.UpsertAsync(tables.Expiries, entities.Where(e => !e.IsRecurring).Select(TokenExpiryEntity.For), cancellationToken),
            batches.UpsertAsync(tables.RecurringDays, entities.Where(e => e.IsRecurring).SelectMany(RecurringTokenDayEntity.RowsFor), cancellationToken),
            users.RecordTopicsAsync(entities.Select(e => (e.PageId, e.Psid, e.PartitionKey)), cancellationToken)).ConfigureAwait(false);
        var added = await batches.AddAsync(tables.Tokens, entities, cancellationToken).ConfigureAwait(false);
        foreach (var refused in added.Refused)
        {
            LogRefused(logger, ((TokenEntity)refused.Entity).PageId, refused.Status, refused.ErrorCode);
        }
        // An OTN opt-in is stored once and never changed (a re-delivery cannot revive a spent token); a recurring
        // token's later stop or resume changes the row that exists.
        var changed = await ApplyRecurringEventsAsync(added.Existing.Cast<TokenEntity>().Where(e => e.IsRecurring), cancellationToken).ConfigureAwait(false);

        var result = new SaveResult(
            added.Applied + changed.Added, added.Unchanged - changed.Added - changed.Changed, optIns.Count - storable.Count + added.Refused.Count, erased, changed.Changed);
        LogSaved(logger, result.Stored, result.AlreadyStored, result.Unusable, result.Erased, result.Changed);
        return result;
    }

    private bool FitsStorage(OptIn optIn)
    {
        var reason = optIn.Payload.Length > StorageRefusal.MaxStringPropertyChars ? "payload"
            : optIn.Token.Length > StorageRefusal.MaxStringPropertyChars ? "token"
            : null;
        if (reason is not null)
        {
            LogTooLarge(logger, optIn.PageId, reason, StorageRefusal.MaxStringPropertyChars);
        }
        return reason is null;
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
        await foreach (var day in _expiries.DueDaysAsync(now, cancellationToken).ConfigureAwait(false))
        {
            foreach (var partition in ExpiryIndex.PartitionsOf(day))
            {
                await foreach (var page in _expiries.DuePagesAsync(partition, now, cancellationToken).ConfigureAwait(false))
                {
                    foreach (var expired in await WithTokensAsync(page.Values, cancellationToken).ConfigureAwait(false))
                    {
                        yield return expired;
                    }
                }
            }
        }
    }

    private async Task<ExpiredToken[]> WithTokensAsync(IReadOnlyList<TokenExpiryEntity> rows, CancellationToken cancellationToken)
    {
        var found = new ExpiredToken[rows.Count];
        var parallel = TableBatches.InParallel(cancellationToken);
        await Parallel.ForEachAsync(Enumerable.Range(0, found.Length), parallel, async (i, ct) =>
        {
            var token = await tables.Tokens.GetEntityIfExistsAsync<TokenEntity>(rows[i].TokenPartitionKey, rows[i].TokenRowKey, TokenEntity.SummaryColumns, ct).ConfigureAwait(false);
            found[i] = new ExpiredToken(rows[i].ExpiresAt, token.ValueOrNull()?.ToSummary());
        }).ConfigureAwait(false);
        return found;
    }

    /// <summary>
    /// Deletes one user's tokens in a topic partition and their expiry index rows (whose keys name the user); returns
    /// how many tokens were deleted. The index rows go first, in their shard and in the day partition rows written
    /// before the index was sharded: a token left behind by a failure is found again by a retry.
    /// </summary>
    internal async Task<int> EraseUserTokensAsync(string partition, string psid, CancellationToken cancellationToken)
    {
        var tokens = await ReadUserTokensAsync(partition, psid, cancellationToken).ConfigureAwait(false);
        var indexRows = tokens.Select(TokenExpiryEntity.For).SelectMany(row => new ITableEntity[]
        {
            new TableEntity(row.PartitionKey, row.RowKey),
            new TableEntity(DayPartition.Of(row.ExpiresAt), row.RowKey),
        });
        await batches.DeleteAsync(tables.Expiries, indexRows, cancellationToken).ConfigureAwait(false);
        // Recurring index rows name the token's keys, and so the PSID: they go too (a token has at most one of each).
        await batches.DeleteAsync(tables.RecurringDays, tokens.Where(t => t.IsRecurring).SelectMany(RecurringTokenDayEntity.RowsFor), cancellationToken).ConfigureAwait(false);
        return (await batches.DeleteAsync(tables.Tokens, partition, tokens.Select(t => t.RowKey), cancellationToken).ConfigureAwait(false)).Applied;
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

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug,
        Message = "Saved opt-in tokens: {Stored} new, {AlreadyStored} already stored, {Unusable} unusable, {Erased} of erased users skipped, {Changed} recurring tokens stopped or resumed")]
    private static partial void LogSaved(ILogger logger, int stored, int alreadyStored, int unusable, int erased, int changed);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning,
        Message = "OTN opt-in on Page {PageId} skipped as unusable: its {Field} is longer than the {MaxChars} characters a table property holds")]
    private static partial void LogTooLarge(ILogger logger, string pageId, string field, int maxChars);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning,
        Message = "OTN opt-in on Page {PageId} skipped as unusable: storage refused the row ({Status} {ErrorCode}); storing it again could not succeed")]
    private static partial void LogRefused(ILogger logger, string pageId, int status, string? errorCode);
}
