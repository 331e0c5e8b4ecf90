using OneTimeNotif.FollowUps;
using OneTimeNotif.Tests.Infrastructure;
using OneTimeNotif.Tokens;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.FollowUps;

/// <summary>How the segments of a large job follow each other on their Page's one send budget.</summary>
public sealed class SegmentFlowTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task ASegmentsSuccessorStartsOnlyOnceHalfItsUsersAreServedWhenThePageSendsSlowerThanItsRate()
    {
        const int segmentSize = 20;
        const int users = 100;
        var page = NewId();
        var settings = new Dictionary<string, string?>
        {
            [$"Messenger:Pages:{page}:MessagesPerSecond"] = "100",
            ["FollowUps:SegmentSize"] = $"{segmentSize}",
            // Four users at a time, each answered in 0.2 s: about 20 messages a second, far under the Page's rate.
            ["FollowUps:SendConcurrency"] = "4",
        };
        await using var app = new OneTimeNotifApplication(storage.Azurite, settings)
        {
            SendApiPages = [page],
            ConfigureSendApi = fake => fake.Latency = TimeSpan.FromMilliseconds(200),
        };
        var tokens = await app.OptInAsync(page, "P", Enumerable.Range(0, users).Select(_ => NewId()));

        var jobId = Jobs.NewJobId();
        (await app.SubmitFollowUpAsync(Jobs.Json(jobId, page, "P"))).EnsureSuccessStatusCode();
        var status = await app.WaitForJobAsync(jobId, TimeSpan.FromSeconds(60));

        Assert.Equal((JobState.Completed, users), (status.State, status.Sent));
        // A segment is a range of the topic's token rows in key order; each user here holds one token.
        var segmentOf = tokens.OrderBy(user => TokenKeys.Row(user.Key, user.Value), StringComparer.Ordinal)
            .Select((user, rank) => (Token: user.Value, Segment: rank / segmentSize))
            .ToDictionary(user => user.Token, user => user.Segment);
        var deliveries = app.SendApi.Deliveries.OrderBy(d => d.At).Select(d => segmentOf[d.Token!]).ToList();
        for (var segment = 1; segment < users / segmentSize; segment++)
        {
            var first = deliveries.IndexOf(segment);
            var servedBefore = deliveries.Take(first).Count(s => s == segment - 1);
            Assert.True(servedBefore >= segmentSize / 2, $"segment {segment} started after {servedBefore} of the {segmentSize} users before it");
        }
    }
}
