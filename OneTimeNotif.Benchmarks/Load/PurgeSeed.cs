using System.Diagnostics;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Benchmarks.Load;

/// <summary>
/// Tokens for a purge run, written through the library's <see cref="TokenStore"/> as the webhook writes them: the
/// expired ones opted in more than a year ago (their expiry spread over 30 past days of the index), the live ones
/// within the last year (spread over the coming year), 16 topics, 100 opt-ins of one topic and one day per save,
/// saves in parallel.
/// </summary>
/// <param name="ExpiredUsers">The PSIDs of the expired tokens (one token per user).</param>
/// <param name="LiveUsers">The PSIDs of the live tokens.</param>
/// <param name="Stored">Tokens the store reported as newly stored; every seeded token, unless a save went wrong.</param>
internal sealed record PurgeSeed(IReadOnlySet<string> ExpiredUsers, IReadOnlySet<string> LiveUsers, int Stored, TimeSpan Elapsed)
{
    private const int Topics = 16;
    private const int Batch = 100;
    private const int Concurrency = 8;
    private const int ExpiredDays = 30;
    private const int LiveDays = 360;

    public static async Task<PurgeSeed> WriteAsync(TokenStore store, string pageId, int total, int expired, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var now = DateTimeOffset.UtcNow;
        var source = new OptInSource(pageId, Topics);
        var batches = new List<IReadOnlyList<OptIn>>();
        // A whole batch shares a day, so its expiry index rows are one transaction, as a webhook POST's usually are.
        for (var (day, left) = (0, expired); left > 0; day++, left -= Batch)
        {
            batches.Add(source.Next(Math.Min(Batch, left), OptInSource.Topic(batches.Count % Topics), now.AddYears(-1).AddDays(-1 - (day % ExpiredDays))));
        }
        var expiredBatches = batches.Count;
        for (var (day, left) = (0, total - expired); left > 0; day++, left -= Batch)
        {
            batches.Add(source.Next(Math.Min(Batch, left), OptInSource.Topic(batches.Count % Topics), now.AddDays(-1 - (day % LiveDays))));
        }

        var clock = Stopwatch.StartNew();
        var stored = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(batches, parallel, async (batch, ct) => Interlocked.Add(ref stored, (await store.SaveAsync(batch, ct)).Stored));
        return new PurgeSeed(
            batches.Take(expiredBatches).SelectMany(b => b).Select(o => o.Psid).ToHashSet(),
            batches.Skip(expiredBatches).SelectMany(b => b).Select(o => o.Psid).ToHashSet(),
            stored,
            clock.Elapsed);
    }
}
