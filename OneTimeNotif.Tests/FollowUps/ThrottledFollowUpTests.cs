using OneTimeNotif.FakeSendApi;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.FollowUps;

/// <summary>Follow-ups against Meta's limits: throttled users wait for the Page's budget, however long it takes.</summary>
public sealed class ThrottledFollowUpTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task AThrottledJobKeepsGoingPastTwelveRetriesAndDeliversEveryone()
    {
        const int maxRetries = 12;
        var page = NewId();
        var settings = new Dictionary<string, string?>
        {
            // The default, spelt out: the retry limit is for failures; throttling is not one.
            ["FollowUps:MaxRetries"] = $"{maxRetries}",
        };
        await using var app = new OneTimeNotifApplication(storage.Azurite, settings) { SendApiPages = [page] };
        var fake = app.SendApi;
        var tokens = await app.OptInAsync(page, "P", [NewId()]);
        // Each send goes three times before the segment is put back: 45 refusals are about fifteen segment retries.
        // Each names a 50 ms block, which the Page waits out.
        fake.ThrottleNext(45, TimeSpan.FromMilliseconds(50));

        var jobId = Jobs.NewJobId();
        (await app.SubmitFollowUpAsync(Jobs.Json(jobId, page, "P"))).EnsureSuccessStatusCode();
        var status = await app.WaitForJobAsync(jobId, TimeSpan.FromSeconds(90));

        Assert.Equal(JobState.Completed, status.State);
        Assert.Equal(1, status.Sent);
        Assert.Equal(0, status.Failed);
        Assert.Equal(tokens.Values, fake.Deliveries.Select(d => d.Token!));
        Assert.Equal(45, fake.Throttled);
        var putBack = app.Logs.Entries.Count(l => l.EventId.Id == 5032);
        Assert.True(putBack > maxRetries, $"the segment was put back for throttling {putBack} times");
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
