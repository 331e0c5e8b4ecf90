using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Tokens;

/// <summary>The token store's reads for operator tools: a scan without token values, and the purge's view of what expired.</summary>
[Collection(UsesOperatorTools.Name)]
public sealed class TokenStoreOperatorReadsTests(AzuriteFixture storage) : IAsyncLifetime
{
    private readonly string _page = NewId();
    private OneTimeNotifApplication _app = null!;

    public Task InitializeAsync()
    {
        _app = new OneTimeNotifApplication(storage.Azurite) { SendApiPages = [_page] };
        _app.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static async Task<List<T>> ListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }
        return list;
    }

    [Fact]
    public async Task AScanOfOnePageReadsItsTokenRowsOnlyWithTheirStateAndNeverTheTokenValue()
    {
        var now = _app.Time.GetUtcNow();
        string served = NewId(), waiting = NewId();
        await _app.OptInAsync(_page, "A", [served, waiting], now.AddDays(-1));
        await _app.OptInAsync(_page, "B", [waiting], now.AddDays(-2));
        // A Page whose ID starts with this one's must not leak into its range.
        await _app.OptInAsync($"{_page}9", "A", [NewId()]);
        var jobId = Jobs.NewJobId();
        await _app.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "A", psid: served));
        await _app.WaitForJobAsync(jobId);

        var tokens = await ListAsync(_app.Tokens.ScanAsync(_page));

        // The job's delivery record shares partition A with the tokens, and is not a token.
        Assert.Equal(3, tokens.Count);
        Assert.All(tokens, t => Assert.Equal(_page, t.PageId));
        var spent = Assert.Single(tokens, t => t.SpentAt is not null);
        Assert.Equal((served, "A", jobId), (spent.Psid, spent.Payload, spent.BoundJobId));
        Assert.Equal(2, tokens.Count(t => t.IsLiveAt(now) && t.Psid == waiting));
        Assert.DoesNotContain("Token", typeof(TokenSummary).GetProperties().Select(p => p.Name));

        var everything = await ListAsync(_app.Tokens.ScanAsync());
        Assert.Contains(everything, t => t.PageId == $"{_page}9");
        Assert.Equal(3, everything.Count(t => t.PageId == _page));
    }

    [Fact]
    public async Task FindExpiredReadsPastDaysAndTodaysExpiredRowsWithTheirTokens()
    {
        var now = _app.Time.GetUtcNow();
        var users = Enumerable.Range(0, 5).Select(_ => NewId()).ToList();
        await _app.OptInAsync(_page, "E", [users[0]], now.AddYears(-1).AddDays(-2));
        await _app.OptInAsync(_page, "E", [users[1]], now.AddYears(-1).AddSeconds(-1));
        await _app.OptInAsync(_page, "E", [users[2]], now.AddYears(-1).AddSeconds(1));
        await _app.OptInAsync(_page, "E", [users[3]], now.AddDays(-10));
        var gone = await _app.OptInAsync(_page, "E", [users[4]], now.AddYears(-1).AddDays(-5).AddMilliseconds(123));
        await _app.Services.GetRequiredService<StorageTables>().Tokens
            .DeleteEntityAsync(TokenKeys.Partition(_page, "E"), TokenKeys.Row(users[4], gone[users[4]]));

        var expired = await ListAsync(_app.Tokens.FindExpiredAsync(now));

        var mine = expired.Where(e => e.Token?.PageId == _page).Select(e => e.Token!.Psid).Order().ToList();
        Assert.Equal(new[] { users[0], users[1] }.Order(), mine);
        Assert.Contains(expired, e => e.Token is null && e.ExpiresAt == OneTimeNotif.Tokens.OptIn.ExpiryOf(now.AddYears(-1).AddDays(-5).AddMilliseconds(123)));
        Assert.All(expired, e => Assert.True(e.ExpiresAt <= now));
        // A read: everything is still stored.
        Assert.Equal(4, (await _app.GetTokensAsync(_page, "E")).Count);
    }
}
