using Microsoft.Extensions.Logging;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Privacy;

/// <summary>
/// Erases everything stored about one user on one Page: tokens and their expiry index rows, delivery records, jobs that
/// name the user, and the user's index rows, all found through the <see cref="UserIndex"/>. Remembers the erasure (a
/// keyed hash and a time) so that Meta's re-delivery of an older opt-in does not store the user again.
/// </summary>
public sealed class UserEraser(StorageTables tables, UserIndex users, TokenStore tokens, FollowUpJobStore jobs, TimeProvider time, ILogger<UserEraser> logger)
{
    /// <summary>Returns once everything is deleted; safe to repeat after a failure (each step finds what is left).</summary>
    public async Task<ErasureCounts> EraseAsync(string pageId, string psid, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pageId);
        ArgumentException.ThrowIfNullOrEmpty(psid);
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        // The marker first: from now on the webhook stores no opt-in of this user made before this moment.
        await users.MarkErasedAsync(pageId, psid, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        var entries = await users.ReadAsync(pageId, psid, cancellationToken).ConfigureAwait(false);

        var tokenCount = 0;
        var deliveryCount = 0;
        await Parallel.ForEachAsync(entries.TokenPartitions, TableBatches.InParallel(cancellationToken), async (partition, ct) =>
        {
            // Tokens before delivery records: once the tokens are gone no follow-up can bind one (the binding's
            // conditional merge fails on a missing row), so every binding that did happen is visible to the read below.
            Interlocked.Add(ref tokenCount, await tokens.EraseUserTokensAsync(partition, psid, ct).ConfigureAwait(false));
            Interlocked.Add(ref deliveryCount, await jobs.EraseUserDeliveriesAsync(partition, psid, ct).ConfigureAwait(false));
        }).ConfigureAwait(false);
        var jobCount = 0;
        foreach (var jobPartition in entries.JobPartitions)
        {
            jobCount += await jobs.EraseJobAsync(jobPartition, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }
        // The index last: a failure above leaves it, and a retry finds the rest through it.
        await users.RemoveAsync(pageId, psid, entries, cancellationToken).ConfigureAwait(false);

        var counts = new ErasureCounts(tokenCount, deliveryCount, jobCount);
        PrivacyLog.UserErased(logger, pageId, counts.Tokens, counts.Deliveries, counts.Jobs);
        return counts;
    }
}

/// <summary>What an erasure removed.</summary>
public sealed record ErasureCounts(int Tokens, int Deliveries, int Jobs)
{
    public static readonly ErasureCounts None = new(0, 0, 0);

    public ErasureCounts Add(ErasureCounts other) => new(Tokens + other.Tokens, Deliveries + other.Deliveries, Jobs + other.Jobs);
}
