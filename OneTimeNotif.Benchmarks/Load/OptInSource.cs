using System.Globalization;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Benchmarks.Load;

/// <summary>
/// Opt-ins as Meta would deliver them: each batch is one topic of one Page (Pages take turns, then topics), every
/// user and token is new, so nothing is deduplicated and every opt-in is a real write. Thread-safe.
/// </summary>
internal sealed class OptInSource(IReadOnlyList<string> pageIds, int topics)
{
    /// <summary>PSIDs are 16-17 digit numbers; these stay clear of the ones other runs use.</summary>
    private long _nextUser = 7_100_000_000_000_000;
    private long _nextBatch;

    public OptInSource(string pageId, int topics)
        : this([pageId], topics)
    {
    }

    /// <summary>The first Page, the only one of a single-Page source.</summary>
    public string PageId { get; } = pageIds[0];

    public static string Topic(int index) => $"BENCH:restock-sku-{index}";

    public IReadOnlyList<OptIn> Next(int count) => Next(count, DateTimeOffset.UtcNow);

    /// <summary>The next batch, opted in at <paramref name="optedInAt"/>.</summary>
    public IReadOnlyList<OptIn> Next(int count, DateTimeOffset optedInAt)
    {
        var batch = Interlocked.Increment(ref _nextBatch);
        var page = pageIds[(int)(batch % pageIds.Count)];
        var topic = Topic((int)(batch / pageIds.Count % topics));
        return Users(page, count, topic, optedInAt);
    }

    /// <summary>Users on one given topic of the first Page, for seeding a fan-out.</summary>
    public IReadOnlyList<OptIn> Next(int count, string topic, DateTimeOffset optedInAt) => Users(PageId, count, topic, optedInAt);

    private OptIn[] Users(string page, int count, string topic, DateTimeOffset optedInAt)
    {
        var optIns = new OptIn[count];
        for (var i = 0; i < count; i++)
        {
            optIns[i] = new OptIn(page, NextPsid(), topic, NewToken(), optedInAt);
        }
        return optIns;
    }

    private string NextPsid() => Interlocked.Increment(ref _nextUser).ToString(CultureInfo.InvariantCulture);

    /// <summary>Opaque and about as long as Meta's tokens, so entity sizes are realistic.</summary>
    private static string NewToken() => $"{Guid.NewGuid():N}{Guid.NewGuid():N}{Guid.NewGuid():N}";
}
