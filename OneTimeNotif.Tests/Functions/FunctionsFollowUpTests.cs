using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Functions;

/// <summary>Follow-ups served by the built Functions app: submitted over HTTP, or enqueued by another service.</summary>
[Collection(UsesFunctionsApp.Name)]
public sealed class FunctionsFollowUpTests(FunctionsAppFixture app)
{
    [Fact]
    public async Task AJobSubmittedOverHttpMessagesEveryWaitingUserOnce()
    {
        string page = app.Pages[0], payload = $"RESTOCK:{NewId()}", jobId = Jobs.NewJobId();
        var tokens = await app.OptInAsync(page, payload, [NewId(), NewId(), NewId()]);
        using var client = app.CreateKeyedClient();

        var submitted = await client.PostAsync("/api/followups", new StringContent(Jobs.Json(jobId, page, payload), Encoding.UTF8, "application/json"));
        var status = await app.WaitForJobAsync(jobId);

        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        Assert.Equal((JobState.Completed, 3), (status.State, status.Sent));
        AssertEachMessagedOnce(tokens.Values);
    }

    [Fact]
    public async Task AJobEnqueuedByAnotherServiceMessagesEveryWaitingUserOnce()
    {
        string page = app.Pages[1], payload = $"RESTOCK:{NewId()}", jobId = Jobs.NewJobId();
        var tokens = await app.OptInAsync(page, payload, [NewId(), NewId()]);

        // Two copies of the same job, as an at-least-once sender may leave: one is served, the other dropped.
        await app.Queue.Queue.SendMessageAsync(Jobs.Json(jobId, page, payload));
        await app.Queue.Queue.SendMessageAsync(Jobs.Json(jobId, page, payload));
        var status = await app.WaitForJobAsync(jobId);

        Assert.Equal((JobState.Completed, 2), (status.State, status.Sent));
        AssertEachMessagedOnce(tokens.Values);
    }

    /// <summary>
    /// The app tells a message handed out again after a failure (dequeue count above 1) from a second copy of a job
    /// already running (dropped). Here a first consumer registered the job, took the message and died before deleting
    /// it: the app gets the message on its second hand-out and must carry on, which takes the dequeueCount binding.
    /// </summary>
    [Fact]
    public async Task AJobMessageHandedOutAgainAfterAConsumerDiedCarriesOnThroughItsDequeueCount()
    {
        string page = app.Pages[0], payload = $"RESTOCK:{NewId()}";
        var tokens = await app.OptInAsync(page, payload, [NewId(), NewId()]);

        // The dying consumer must take the message before the app's listener does; it is retried on a fresh job in
        // the rare case the listener wins that race (the app then rightly drops a copy of a running job).
        for (var attempt = 1; ; attempt++)
        {
            var jobId = Jobs.NewJobId();
            var json = Jobs.Json(jobId, page, payload);
            Assert.True(FollowUpJob.TryParse(json, out var job, out _));
            await app.Library.GetRequiredService<FollowUpJobs>().RegisterAsync(job!, JobState.Running);
            if (!await HandOutOnceAsync(json))
            {
                Assert.True(attempt < 3, "The app's listener took the message first three times.");
                continue;
            }
            var status = await app.WaitForJobAsync(jobId);

            Assert.Equal((JobState.Completed, 2), (status.State, status.Sent));
            AssertEachMessagedOnce(tokens.Values);
            return;
        }
    }

    /// <summary>Enqueues <paramref name="json"/> and takes it once (dequeue count 1) without deleting it, as a consumer that dies does.</summary>
    private async Task<bool> HandOutOnceAsync(string json)
    {
        var sent = await app.Queue.Queue.SendMessageAsync(json, visibilityTimeout: TimeSpan.FromSeconds(1));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var message in (await app.Queue.Queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(1))).Value)
            {
                if (message.MessageId == sent.Value.MessageId)
                {
                    return true;
                }
                // Another test's message: hand it back at once.
                await app.Queue.Queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
            }
            await Task.Delay(5);
        }
        return false;
    }

    [Fact]
    public async Task AMessageThatIsNotAJobGoesToThePoisonQueueWithItsReason()
    {
        var marker = NewId();
        await app.Queue.Queue.SendMessageAsync($$"""{"jobId":"bad-{{marker}}","pageId":"not a page"}""");

        var poisoned = await Poll.UntilAsync(
            async () => (await app.Queue.PoisonQueue.PeekMessagesAsync(32)).Value
                .Select(m => m.Body.ToString()).FirstOrDefault(b => b.Contains(marker, StringComparison.Ordinal)),
            body => body is not null,
            TimeSpan.FromSeconds(30));

        Assert.Contains("pageId must be a Page ID", poisoned!, StringComparison.Ordinal);
        Assert.Contains("message is required", poisoned, StringComparison.Ordinal);
    }

    private void AssertEachMessagedOnce(IEnumerable<string> tokens)
    {
        var delivered = app.Fake.Deliveries.Where(d => d.Token is not null).GroupBy(d => d.Token!).ToDictionary(g => g.Key, g => g.Count());
        foreach (var token in tokens)
        {
            Assert.Equal(1, delivered.GetValueOrDefault(token));
        }
    }
}
