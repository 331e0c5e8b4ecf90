using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Purge;

/// <summary>
/// Deletes recurring tokens past a real expiry, and tokens stopped for longer than the stop retention, found through
/// their by-day index. A stopped token is otherwise kept: the user may resume it. Each index row is checked against
/// its token (a later event may have extended the expiry or resumed the token), and the token is deleted on the ETag
/// of that read, so a resume arriving meanwhile wins.
/// </summary>
internal sealed class RecurringTokenPurge(StorageTables tables, TableBatches batches, ILogger logger)
{
    private static readonly string[] DecisionColumns =
        [nameof(TokenEntity.Kind), nameof(TokenEntity.ExpiresAt), nameof(TokenEntity.Stopped), nameof(TokenEntity.StoppedAt)];

    public async Task RunAsync(DateTimeOffset now, DateTimeOffset stoppedBefore, PurgeBudget budget, PurgeTally tally, CancellationToken cancellationToken)
    {
        await budget.RunThrottledAsync("recurring expiries", ct => PurgeAsync(
            RecurringTokenDayEntity.ExpiredBy(now), token => RecurringTokenDayEntity.IsExpiredBy(token, now), tally.TokensDeleted, budget, tally, ct), cancellationToken).ConfigureAwait(false);
        if (budget.CutShort)
        {
            return;
        }
        await budget.RunThrottledAsync("recurring stops", ct => PurgeAsync(
            RecurringTokenDayEntity.StoppedBy(stoppedBefore), token => RecurringTokenDayEntity.IsStoppedBefore(token, stoppedBefore), tally.StoppedTokensDeleted, budget, tally, ct), cancellationToken).ConfigureAwait(false);
    }

    private async Task PurgeAsync(string filter, Func<TokenEntity, bool> isDue, Action<int> countDeleted, PurgeBudget budget, PurgeTally tally, CancellationToken cancellationToken)
    {
        var pages = tables.RecurringDays.QueryAsync<RecurringTokenDayEntity>(filter, cancellationToken: cancellationToken).AsPages();
        await foreach (var page in pages.ConfigureAwait(false))
        {
            tally.Read(page.Values.Count);
            var deleted = 0;
            await Parallel.ForEachAsync(page.Values, TableBatches.InParallel(cancellationToken), async (indexed, ct) =>
            {
                if (await DeleteIfDueAsync(indexed, isDue, ct).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref deleted);
                }
            }).ConfigureAwait(false);
            countDeleted(deleted);
            PurgeLog.RecurringTokensDeleted(logger, deleted, page.Values.Count);
            // Index rows after their tokens, so a run cut off in between finds them again.
            tally.Deleted((await batches.DeleteAsync(tables.RecurringDays, page.Values, cancellationToken).ConfigureAwait(false)).Applied);
            if (!budget.AllowsMore())
            {
                return;
            }
        }
    }

    private async Task<bool> DeleteIfDueAsync(RecurringTokenDayEntity indexed, Func<TokenEntity, bool> isDue, CancellationToken cancellationToken)
    {
        var token = (await tables.Tokens.GetEntityIfExistsAsync<TokenEntity>(indexed.TokenPartitionKey, indexed.TokenRowKey, DecisionColumns, cancellationToken).ConfigureAwait(false)).ValueOrNull();
        if (token is null || !isDue(token))
        {
            return false;
        }
        try
        {
            await tables.Tokens.DeleteEntityAsync(indexed.TokenPartitionKey, indexed.TokenRowKey, token.ETag, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Gone already, or changed since the read (resumed, or a new expiry): not this run's to delete.
            return false;
        }
    }
}
