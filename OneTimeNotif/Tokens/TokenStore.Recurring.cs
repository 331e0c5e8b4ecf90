using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Tokens;

/// <summary>
/// Recurring tokens' state: Meta sends an opt-in, and later stop and resume events for the same token, in no
/// guaranteed order and sometimes twice. Each event carries its time; the stored state is the latest event's, so
/// any order of delivery ends in the same state (docs/storage.md).
/// </summary>
public sealed partial class TokenStore
{
    /// <summary>Another writer changing the same token between our read and write is rare; a few re-reads settle it.</summary>
    private const int MaxStateAttempts = 4;

    /// <summary>
    /// One row per token: OTN duplicates in a batch are the same opt-in; of a recurring token's events in one batch,
    /// the one that decides its state (the latest; a stop on a tie) is the one written.
    /// </summary>
    private static List<TokenEntity> LatestPerToken(IEnumerable<TokenEntity> entities) =>
    [
        .. entities.GroupBy(e => (e.PartitionKey, e.RowKey)).Select(g => g.Aggregate((kept, next) =>
            kept.IsRecurring && next.IsRecurring && kept.IsSupersededBy(next.StatusAt!.Value, next.Stopped) ? next : kept)),
    ];

    /// <summary>Applies recurring events to the tokens that were already stored; returns how many were added again (purged meanwhile) or changed.</summary>
    private async Task<(int Added, int Changed)> ApplyRecurringEventsAsync(IEnumerable<TokenEntity> existing, CancellationToken cancellationToken)
    {
        int added = 0, changed = 0;
        var parallel = TableBatches.InParallel(cancellationToken);
        await Parallel.ForEachAsync(existing, parallel, async (received, ct) =>
        {
            switch (await ApplyRecurringEventAsync(received, ct).ConfigureAwait(false))
            {
                case TokenWrite.Added: Interlocked.Increment(ref added); break;
                case TokenWrite.Changed: Interlocked.Increment(ref changed); break;
            }
        }).ConfigureAwait(false);
        return (added, changed);
    }

    private enum TokenWrite { Added, Existed, Changed }

    /// <summary>
    /// Drops the stop and resume events of tokens not stored here whose user was erased. Such an event makes its token
    /// when it arrives before the opt-in (Meta delivers in any order), but for an erased user the token is most likely
    /// the one the erasure deleted, and storing its state would bring the user's data back. Stop and resume events
    /// are rare next to opt-ins: the point read per event, and the marker read per unknown token, cost little.
    /// </summary>
    private async Task<(IReadOnlyCollection<OptIn> Kept, int Dropped)> WithoutChangesToErasedTokensAsync(IReadOnlyCollection<OptIn> optIns, CancellationToken cancellationToken)
    {
        var changes = optIns.Where(o => o.Recurring?.Change is RecurringChange.Stop or RecurringChange.Resume).ToList();
        if (changes.Count == 0)
        {
            return (optIns, 0);
        }
        var dropped = new System.Collections.Concurrent.ConcurrentDictionary<OptIn, bool>();
        var parallel = TableBatches.InParallel(cancellationToken);
        await Parallel.ForEachAsync(changes, parallel, async (change, ct) =>
        {
            var keys = TokenEntity.From(change);
            var stored = await tables.Tokens.GetEntityIfExistsAsync<TableEntity>(keys.PartitionKey, keys.RowKey, [nameof(TableEntity.RowKey)], ct).ConfigureAwait(false);
            if (!stored.HasValue && await users.ErasedAtAsync(change.PageId, change.Psid, ct).ConfigureAwait(false) is not null)
            {
                dropped[change] = true;
            }
        }).ConfigureAwait(false);
        return dropped.IsEmpty ? (optIns, 0) : ([.. optIns.Where(o => !dropped.ContainsKey(o))], dropped.Count);
    }

    /// <summary>
    /// Applies a recurring event to its stored token when the event is later than the one the state comes from.
    /// The event's index rows are already written (<see cref="SaveAsync"/>); an index row for an event
    /// that lost is harmless, because the purge reads the token before deleting it.
    /// </summary>
    private async Task<TokenWrite> ApplyRecurringEventAsync(TokenEntity received, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var stored = (await tables.Tokens.GetEntityIfExistsAsync<TokenEntity>(received.PartitionKey, received.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false)).ValueOrNull();
            if (stored is null)
            {
                // Deleted since the add failed (the purge): this event makes the token again.
                try
                {
                    await tables.Tokens.AddEntityAsync(received, cancellationToken).ConfigureAwait(false);
                    return TokenWrite.Added;
                }
                catch (RequestFailedException e) when (e.Status == 409 && attempt < MaxStateAttempts)
                {
                    continue;
                }
            }
            if (!stored.IsRecurring || !stored.IsSupersededBy(received.StatusAt!.Value, received.Stopped))
            {
                // The event lost: the index rows written for it ahead of the token describe no state the token has.
                await DeleteStaleIndexRowsAsync(received, stored, cancellationToken).ConfigureAwait(false);
                return TokenWrite.Existed;
            }
            try
            {
                await tables.Tokens.UpdateEntityAsync(StateOf(received), stored.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                LogRecurringState(logger, received.PageId, received.Stopped ? "stopped" : "live", received.StatusAt!.Value);
                await DeleteStaleIndexRowsAsync(stored, received, cancellationToken).ConfigureAwait(false);
                return TokenWrite.Changed;
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < MaxStateAttempts)
            {
                // Another event for this token was applied meanwhile: decide again against what it wrote.
            }
        }
    }

    /// <summary>
    /// The index rows of a state the token no longer has (<paramref name="old"/>: its state before a later event, or
    /// an event that lost to a later one) go, so a token has at most one row of each kind and an erasure, which knows
    /// only the current state, finds them all. A row left by a failure here is harmless: the purge reads the token
    /// before deleting.
    /// </summary>
    private async Task DeleteStaleIndexRowsAsync(TokenEntity old, TokenEntity current, CancellationToken cancellationToken)
    {
        var kept = current.IsRecurring ? RecurringTokenDayEntity.RowsFor(current).Select(r => (r.PartitionKey, r.RowKey)).ToHashSet() : [];
        var stale = RecurringTokenDayEntity.RowsFor(old).Where(r => !kept.Contains((r.PartitionKey, r.RowKey)));
        await batches.DeleteAsync(tables.RecurringDays, stale, cancellationToken).ConfigureAwait(false);
        if (current.IsRecurring)
        {
            // A lost event of the same day wrote over the current state's row (same keys): say the current instant again.
            await batches.UpsertAsync(tables.RecurringDays, RecurringTokenDayEntity.RowsFor(current), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// What a purge at <paramref name="now"/> would delete of the recurring tokens: those past a real expiry, and those
    /// stopped since before <paramref name="stoppedBefore"/>, read through their index as the purge reads them.
    /// Reads only; deletes nothing.
    /// </summary>
    public async IAsyncEnumerable<DueRecurringToken> FindDueRecurringAsync(
        DateTimeOffset now, DateTimeOffset stoppedBefore, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var seen = new HashSet<(string, string)>();
        foreach (var (filter, stopped) in new[] { (RecurringTokenDayEntity.ExpiredBy(now), false), (RecurringTokenDayEntity.StoppedBy(stoppedBefore), true) })
        {
            await foreach (var indexed in tables.RecurringDays.QueryAsync<RecurringTokenDayEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                var token = (await tables.Tokens.GetEntityIfExistsAsync<TokenEntity>(indexed.TokenPartitionKey, indexed.TokenRowKey, TokenEntity.SummaryColumns, cancellationToken).ConfigureAwait(false)).ValueOrNull();
                var due = token is not null && (RecurringTokenDayEntity.IsExpiredBy(token, now) || (stopped && RecurringTokenDayEntity.IsStoppedBefore(token, stoppedBefore)));
                if (due && seen.Add((indexed.TokenPartitionKey, indexed.TokenRowKey)))
                {
                    yield return new DueRecurringToken(token!.ToSummary(), Stopped: !RecurringTokenDayEntity.IsExpiredBy(token, now));
                }
            }
        }
    }

    /// <summary>What an event decides about a token: stopped or not, since when, and what Meta last said of it.</summary>
    private static TableEntity StateOf(TokenEntity received)
    {
        var state = new TableEntity(received.PartitionKey, received.RowKey)
        {
            [nameof(TokenEntity.Stopped)] = received.Stopped,
            [nameof(TokenEntity.StatusAt)] = received.StatusAt,
            [nameof(TokenEntity.ExpiresAt)] = received.ExpiresAt,
        };
        // A merge cannot clear a property, and need not: StoppedAt only counts while Stopped is set.
        Set(state, nameof(TokenEntity.StoppedAt), received.StoppedAt);
        Set(state, nameof(TokenEntity.UserTokenStatus), received.UserTokenStatus);
        Set(state, nameof(TokenEntity.Title), received.Title);
        Set(state, nameof(TokenEntity.Timezone), received.Timezone);
        return state;
    }

    private static void Set(TableEntity entity, string name, object? value)
    {
        if (value is not null)
        {
            entity[name] = value;
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Recurring token on Page {PageId} is now {State} (event of {EventAt})")]
    private static partial void LogRecurringState(ILogger logger, string pageId, string state, DateTimeOffset eventAt);
}
