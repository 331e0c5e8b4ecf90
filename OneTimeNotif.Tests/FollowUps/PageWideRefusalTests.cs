using OneTimeNotif.FakeSendApi;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.FollowUps;

/// <summary>The circuit breaker: a refusal about the Page stops the job without spending the topic's tokens.</summary>
public sealed class PageWideRefusalTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly string _page = NewId();
    private OneTimeNotifApplication _app = null!;

    public Task InitializeAsync()
    {
        _app = new OneTimeNotifApplication(storage.Azurite, new Dictionary<string, string?> { ["FollowUps:SegmentSize"] = "20" }) { SendApiPages = [_page] };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task APageWideRefusalStopsTheJobAndLeavesEveryTokenAvailableToTheNextJob()
    {
        var tokens = await _app.OptInAsync(_page, "P", Enumerable.Range(0, 12).Select(_ => NewId()));
        _app.SendApi.RefuseAll(_page, FakeError.OutsideWindowPolicy);

        var first = Jobs.NewJobId();
        (await _app.SubmitFollowUpAsync(Jobs.Json(first, _page, "P"))).EnsureSuccessStatusCode();
        var stopped = await _app.WaitForJobAsync(first);

        Assert.Equal(JobState.Stopped, stopped.State);
        Assert.Contains("10/2018065", stopped.Reason, StringComparison.Ordinal);
        Assert.Contains("Page-wide", stopped.Reason, StringComparison.Ordinal);
        Assert.All(await _app.GetTokensAsync(_page, "P"), t => Assert.True(t.IsAvailableAt(_app.Time.GetUtcNow()), $"token bound to {t.BoundJobId}, spent {t.SpentAt}"));
        Assert.InRange(_app.SendApi.Calls, 1, 12);

        _app.SendApi.RefuseAll(_page, null);
        var next = Jobs.NewJobId();
        (await _app.SubmitFollowUpAsync(Jobs.Json(next, _page, "P"))).EnsureSuccessStatusCode();
        var completed = await _app.WaitForJobAsync(next);

        Assert.Equal((JobState.Completed, 12), (completed.State, completed.Sent));
        Assert.Equal(tokens.Values.Order(), _app.SendApi.Deliveries.Select(d => d.Token!).Order());
    }

    [Fact]
    public async Task TheSameRefusalForOneUserAmongSuccessesSpendsOnlyThatUsersToken()
    {
        var tokens = await _app.OptInAsync(_page, "P", Enumerable.Range(0, 6).Select(_ => NewId()));
        var refused = tokens.Values.First();
        _app.SendApi.FailToken(refused, FakeError.OutsideWindowPolicy);

        var job = Jobs.NewJobId();
        (await _app.SubmitFollowUpAsync(Jobs.Json(job, _page, "P"))).EnsureSuccessStatusCode();
        var status = await _app.WaitForJobAsync(job);

        Assert.Equal((JobState.Completed, 5, 1), (status.State, status.Sent, status.TokenRejected));
        Assert.NotNull(Assert.Single(await _app.GetTokensAsync(_page, "P"), t => t.Token == refused).SpentAt);
    }
}
