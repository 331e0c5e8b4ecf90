using System.Globalization;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Benchmarks.Load;

/// <summary>
/// Opt-ins as Meta would deliver them for one Page: each batch is one topic (topics take turns), every user and
/// token is new, so nothing is deduplicated and every opt-in is a real write. Thread-safe.
/// </summary>
internal sealed class OptInSource(string pageId, int topics)
{
    /// <summary>PSIDs are 16-17 digit numbers; these stay clear of the ones other runs use.</summary>
    private long _nextUser = 7_100_000_000_000_000;
    private long _nextBatch;

    public string PageId { get; } = pageId;

    public static string Topic(int index) => $"BENCH:restock-sku-{index}";

    public IReadOnlyList<OptIn> Next(int count)
    {
        var topic = Topic((int)(Interlocked.Increment(ref _nextBatch) % topics));
        var now = DateTimeOffset.UtcNow;
        var optIns = new OptIn[count];
        for (var i = 0; i < count; i++)
        {
            optIns[i] = new OptIn(PageId, NextPsid(), topic, NewToken(), now);
        }
        return optIns;
    }

    /// <summary>Users on one given topic, for seeding a fan-out.</summary>
    public IReadOnlyList<OptIn> Next(int count, string topic, DateTimeOffset optedInAt)
    {
        var optIns = new OptIn[count];
        for (var i = 0; i < count; i++)
        {
            optIns[i] = new OptIn(PageId, NextPsid(), topic, NewToken(), optedInAt);
        }
        return optIns;
    }

    private string NextPsid() => Interlocked.Increment(ref _nextUser).ToString(CultureInfo.InvariantCulture);

    /// <summary>Opaque and about as long as Meta's tokens, so entity sizes are realistic.</summary>
    private static string NewToken() => $"{Guid.NewGuid():N}{Guid.NewGuid():N}{Guid.NewGuid():N}";
}
