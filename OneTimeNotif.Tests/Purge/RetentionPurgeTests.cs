using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.Storage;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Purge;

/// <summary>
/// The retention purge of expired tokens, driven with the fake clock. Each test has its own Azurite: a purge deletes every
/// expired token in the store, so it must not meet another test's tokens.
/// </summary>
[Collection(OnePurgeTestAtATime.Name)]
public sealed class RetentionPurgeTests : IAsyncLifetime
{
    private readonly string _page = NewId();
    private Azurite _azurite = null!;
    private OneTimeNotifApplication _app = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync();
        _app = new OneTimeNotifApplication(_azurite) { WithoutPurgeScheduler = true };
        _app.StartServer();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private DateTimeOffset Now => _app.Time.GetUtcNow();

    private StorageTables Tables => _app.Services.GetRequiredService<StorageTables>();

    /// <summary>Opt-ins on <paramref name="topics"/> topics, <paramref name="perTopic"/> users each, at one instant.</summary>
    private async Task<List<string>> OptInAsync(int topics, int perTopic, DateTimeOffset at, string prefix)
    {
        var tokens = new List<string>();
        for (var topic = 0; topic < topics; topic++)
        {
            var users = Enumerable.Range(0, perTopic).Select(_ => NewId());
            tokens.AddRange((await _app.OptInAsync(_page, $"{prefix}-{topic}", users, at)).Values);
        }
        return tokens;
    }

    private async Task<SortedSet<string>> StoredTokensAsync()
    {
        var tokens = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var row in Tables.Tokens.QueryAsync<TableEntity>(select: ["Token"]))
        {
            tokens.Add(row.GetString("Token"));
        }
        return tokens;
    }

    /// <summary>
    /// The stored tokens once storage has finished what it had received: a transaction cancelled by the client may
    /// still be applied, just as a real cut-off (a killed host) can leave requests behind.
    /// </summary>
    private async Task<SortedSet<string>> SettledTokensAsync()
    {
        SortedSet<string>? before = null;
        return await Poll.UntilAsync(StoredTokensAsync, now =>
        {
            var settled = before is not null && now.SetEquals(before);
            before = now;
            return settled;
        }, interval: TimeSpan.FromMilliseconds(300));
    }

    private static SortedSet<string> Sorted(IEnumerable<string> tokens) => new(tokens, StringComparer.Ordinal);

    private async Task<int> IndexRowsAsync()
    {
        var count = 0;
        await foreach (var _ in Tables.Expiries.QueryAsync<TableEntity>(select: ["RowKey"]))
        {
            count++;
        }
        return count;
    }

    [Fact]
    public async Task ExpiredTokensAndTheirIndexRowsAreDeletedAndLiveTokensAreLeftAlone()
    {
        var longAgo = await OptInAsync(2, 3, Now.AddYears(-1).AddDays(-40), "old");
        var earlierToday = await OptInAsync(1, 2, Now.AddYears(-1).AddHours(-1), "today");
        var laterToday = await OptInAsync(1, 2, Now.AddYears(-1).AddHours(1), "soon");
        var fresh = await OptInAsync(2, 3, Now.AddDays(-1), "fresh");

        var report = await _app.PurgeAsync();

        Assert.Equal(8, report.TokensDeleted);
        Assert.Equal(Now, report.At);
        Assert.Equal(Sorted([.. laterToday, .. fresh]), await StoredTokensAsync());
        Assert.Equal(8, await IndexRowsAsync());
        Assert.DoesNotContain(longAgo.Concat(earlierToday), (await StoredTokensAsync()).Contains);
    }

    [Fact]
    public async Task ATokenIsPurgedOnceTheClockPassesItsExpiry()
    {
        var token = Assert.Single(await OptInAsync(1, 1, Now.AddYears(-1).AddMinutes(30), "p"));

        Assert.Equal(0, (await _app.PurgeAsync()).TokensDeleted);
        _app.Time.Advance(TimeSpan.FromMinutes(31));
        var report = await _app.PurgeAsync();

        Assert.Equal(1, report.TokensDeleted);
        Assert.DoesNotContain(token, await StoredTokensAsync());
        Assert.Equal(0, await IndexRowsAsync());
    }

    [Fact]
    public async Task APurgeReadsWhatHasExpiredNotWhatIsStored()
    {
        const int live = 2000, expired = 120;
        await OptInAsync(4, live / 4, Now.AddDays(-3), "live");
        await OptInAsync(2, 10, Now.AddYears(-1).AddHours(2), "later-today");
        await OptInAsync(4, expired / 4 / 2, Now.AddYears(-1).AddDays(-2), "expired-a");
        await OptInAsync(4, expired / 4 / 2, Now.AddYears(-1).AddDays(-200), "expired-b");

        var first = await _app.PurgeAsync();
        var second = await _app.PurgeAsync();

        // One index row read per expired token, plus the one row that finds each of the two due days; none of the
        // 2,020 live tokens, nor their index rows, is read.
        Assert.Equal((expired, expired + 2), (first.TokensDeleted, first.EntitiesRead));
        Assert.Equal(2 * expired, first.EntitiesDeleted);
        Assert.Equal((0, 0), (second.TokensDeleted, second.EntitiesRead));
        Assert.Equal(live + 20, (await StoredTokensAsync()).Count);
    }

    [Fact]
    public async Task APurgeCutOffMidwayIsResumedByTheNextRunAndTouchesNoLiveToken()
    {
        // 20 topics: the purge deletes a handful of topics at a time, so stopping it after the first leaves most to do.
        var expired = await OptInAsync(20, 15, Now.AddYears(-1).AddDays(-5), "expired");
        var live = await OptInAsync(3, 10, Now.AddDays(-5), "live");
        using var stop = new CancellationTokenSource();
        _app.Logs.Logged += entry =>
        {
            if (entry.EventId.Id == 7002)
            {
                stop.Cancel();
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _app.PurgeAsync(stop.Token));
        var afterCut = await SettledTokensAsync();
        var deletedBeforeCut = expired.Count(t => !afterCut.Contains(t));

        Assert.InRange(deletedBeforeCut, 1, expired.Count - 1);
        Assert.Equal(expired.Count + live.Count, await IndexRowsAsync());
        Assert.Contains(_app.Logs.Entries, l => l.EventId.Id == 7005);

        var resumed = await _app.PurgeAsync();

        Assert.Equal(expired.Count - deletedBeforeCut, resumed.TokensDeleted);
        Assert.Equal(Sorted(live), await StoredTokensAsync());
        Assert.Equal(live.Count, await IndexRowsAsync());
    }

    [Fact]
    public async Task OneDaysExpiriesAreSpreadOverShardsAndThePurgeReadsEveryShard()
    {
        var expired = await OptInAsync(2, 40, Now.AddYears(-1).AddDays(-3), "viral");

        var partitions = new HashSet<string>();
        await foreach (var row in Tables.Expiries.QueryAsync<TableEntity>(select: ["PartitionKey"]))
        {
            partitions.Add(row.PartitionKey);
        }
        var report = await _app.PurgeAsync();

        Assert.True(partitions.Count >= 8, $"80 index rows of one day fell in {partitions.Count} partition(s)");
        Assert.All(partitions, p => Assert.StartsWith(DayOf(Now.AddDays(-3)) + "_", p, StringComparison.Ordinal));
        Assert.Equal(expired.Count, report.TokensDeleted);
        Assert.Empty(await StoredTokensAsync());
        Assert.Equal(0, await IndexRowsAsync());
    }

    [Fact]
    public async Task IndexRowsOfTheUnshardedLayoutAreStillPurged()
    {
        var tokens = await OptInAsync(1, 3, Now.AddYears(-1).AddDays(-10), "legacy");
        // Rewrite the index as the unsharded layout stored it: one partition per day.
        await foreach (var row in Tables.Expiries.QueryAsync<TableEntity>())
        {
            await Tables.Expiries.DeleteEntityAsync(row.PartitionKey, row.RowKey);
            row.PartitionKey = row.PartitionKey[..8];
            await Tables.Expiries.AddEntityAsync(row);
        }

        var report = await _app.PurgeAsync();

        Assert.Equal(tokens.Count, report.TokensDeleted);
        Assert.Empty(await StoredTokensAsync());
        Assert.Equal(0, await IndexRowsAsync());
    }

    [Fact]
    public async Task APurgeStoppedByItsTimeBudgetIsCarriedOnByTheNextRunsUntilDone()
    {
        var expired = await OptInAsync(5, 60, Now.AddYears(-1).AddDays(-5), "many");
        var older = await OptInAsync(2, 20, Now.AddYears(-1).AddDays(-30), "older");
        var live = await OptInAsync(2, 10, Now.AddDays(-5), "live");
        await using var budgeted = new OneTimeNotifApplication(_azurite, new Dictionary<string, string?> { ["Purge:TimeBudget"] = "00:00:03" })
        {
            WithoutPurgeScheduler = true,
        };
        // Every look at the clock moves it on by a second: a 3-second budget ends a run after a few steps.
        budgeted.Time.AutoAdvanceAmount = TimeSpan.FromSeconds(1);

        var runs = new List<OneTimeNotif.Purge.PurgeReport>();
        do
        {
            runs.Add(await budgeted.PurgeAsync());
            Assert.True(runs.Count < 60, "the purge never finished");
        }
        while (!runs[^1].Completed);

        Assert.True(runs.Count >= 3, $"finished in {runs.Count} run(s): the budget did not stop it");
        Assert.All(runs[..^1], r => Assert.False(r.Completed));
        Assert.Equal(expired.Count + older.Count, runs.Sum(r => r.TokensDeleted));
        Assert.Equal(Sorted(live), await StoredTokensAsync());
        Assert.Equal(live.Count, await IndexRowsAsync());
        Assert.Contains(budgeted.Logs.Entries, l => l.EventId.Id == 7007);
        Assert.Contains(budgeted.Logs.Entries, l => l.EventId.Id == 7006);
        // Stopping costs no rereading: every index row is read once, plus one row per due day and run to find it.
        Assert.InRange(runs.Sum(r => r.EntitiesRead), expired.Count + older.Count, expired.Count + older.Count + 2 * runs.Count);
    }

    private static string DayOf(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
}
