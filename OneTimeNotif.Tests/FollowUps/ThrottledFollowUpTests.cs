using OneTimeNotif.FakeSendApi;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.FollowUps;

/// <summary>Follow-ups against Meta's limits: throttled users wait for the Page's budget, however long it takes.</summary>
public sealed class ThrottledFollowUpTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task AThrottledJobKeepsGoingPastTheRetryLimitAndDeliversEveryone()
    {
        var page = NewId();
        var settings = new Dictionary<string, string?>
        {
            ["SendApi:ThrottlePause"] = "00:00:00.050",
            // The retry limit is for failures; throttling is not one, however often it comes.
            ["FollowUps:MaxRetries"] = "2",
        };
        await using var app = new OneTimeNotifApplication(storage.Azurite, settings) { SendApiPages = [page] };
        var fake = app.SendApi;
        var tokens = await app.OptInAsync(page, "P", [NewId(), NewId()]);
        // Each send goes three times before the segment is put back: 15 refusals are 5 segment retries.
        fake.FailNext([.. Enumerable.Repeat(FakeError.Throttled, 15)]);

        var jobId = Jobs.NewJobId();
        (await app.SubmitFollowUpAsync(Jobs.Json(jobId, page, "P"))).EnsureSuccessStatusCode();
        var status = await app.WaitForJobAsync(jobId, TimeSpan.FromSeconds(60));

        Assert.Equal(JobState.Completed, status.State);
        Assert.Equal(2, status.Sent);
        Assert.Equal(0, status.Failed);
        Assert.Equal(tokens.Values.Order(), fake.Deliveries.Select(d => d.Token!).Order());
        Assert.Equal(15, fake.Throttled);
    }

    [Fact]
    public async Task APageWhoseRealLimitIsLowerThanConfiguredConvergesWithFewRefusedCalls()
    {
        const int users = 150;
        var page = NewId();
        await using var app = new OneTimeNotifApplication(storage.Azurite) { SendApiPages = [page] };
        var fake = app.SendApi;
        fake.LimitPage(page, 15);
        var tokens = await app.OptInAsync(page, "P", Enumerable.Range(0, users).Select(_ => NewId()));

        var jobId = Jobs.NewJobId();
        (await app.SubmitFollowUpAsync(Jobs.Json(jobId, page, "P"))).EnsureSuccessStatusCode();
        var status = await app.WaitForJobAsync(jobId, TimeSpan.FromSeconds(60));

        Assert.Equal((JobState.Completed, users), (status.State, status.Sent));
        Assert.True(fake.Throttled <= users / 10, $"{fake.Throttled} refused calls for {users} deliveries");
        Assert.Equal(tokens.Values.Order(), fake.Deliveries.Select(d => d.Token!).Order());
    }
}
