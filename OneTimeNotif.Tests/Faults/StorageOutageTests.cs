using System.Collections.Concurrent;
using System.Net;
using System.Text;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Tests.Infrastructure;
using OneTimeNotif.Webhook;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Faults;

public sealed class StorageOutageTests
{
    [Fact]
    public async Task AStorageOutageDuringIngestLosesNoOptInAndStoresNoneTwiceWhenMetaRetries()
    {
        await using var azurite = await Azurite.StartAsync(onDisk: true);
        await using var app = new OneTimeNotifApplication(azurite);
        var page = NewId();
        var batches = Enumerable.Range(0, 48)
            .Select(_ => Enumerable.Range(0, 5).Select(_ => (Psid: NewId(), Token: NewToken())).ToList())
            .ToList();
        var refusals = new ConcurrentBag<HttpStatusCode>();

        // Four senders that behave like Meta: a batch is resent until it is answered with 2xx. The first eight batches
        // go before the outage; the rest wait for it to begin, so the outage always meets senders, however slow the
        // machine.
        const int BeforeOutage = 8;
        var queue = new ConcurrentQueue<List<(string Psid, string Token)>>(batches);
        var sent = 0;
        var outageBegun = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var senders = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var batch))
            {
                if (Volatile.Read(ref sent) >= BeforeOutage)
                {
                    await outageBegun.Task;
                }
                var body = Envelope(Entry(page, [.. batch.Select(o => OptIn(page, o.Psid, "P", o.Token, DateTimeOffset.UtcNow))]));
                await SendLikeMetaAsync(app, body, refusals);
                Interlocked.Increment(ref sent);
            }
        })).ToList();

        await Poll.UntilAsync(() => Volatile.Read(ref sent) >= BeforeOutage, describe: () => $"{sent} batches acknowledged before the outage");
        await azurite.StopAsync();
        outageBegun.SetResult();
        // Storage stays down until a sender has been refused: the host's own storage retries may outlast any fixed
        // outage, and then no sender would ever meet it.
        await Poll.UntilAsync(() => !refusals.IsEmpty, TimeSpan.FromSeconds(60), () => "no sender was refused while storage was down");
        await azurite.RestartAsync();
        await Task.WhenAll(senders);

        Assert.NotEmpty(refusals);
        Assert.All(refusals, status => Assert.Equal(HttpStatusCode.ServiceUnavailable, status));
        var stored = await app.GetTokensAsync(page, "P");
        Assert.Equal(batches.SelectMany(b => b).Select(o => o.Token).Order(), stored.Select(t => t.Token).Order());
    }

    [Fact]
    public async Task TheQueueTriggerRidesOutAStorageOutageAndServesJobsOnceStorageIsBack()
    {
        await using var azurite = await Azurite.StartAsync(onDisk: true);
        var page = NewId();
        await using var app = new OneTimeNotifApplication(azurite) { SendApiPages = [page] };
        var tokens = await app.OptInAsync(page, "P", [NewId(), NewId()]);

        await azurite.StopAsync();
        // The listener meets the outage (it polls every 200 ms here) and backs off instead of stopping.
        await app.WaitForLogAsync(eventId: 3, l => l.EventId.Name == "HandlingStorageException");
        await azurite.RestartAsync();
        var jobId = Jobs.NewJobId();
        (await app.SubmitFollowUpAsync(Jobs.Json(jobId, page, "P"))).EnsureSuccessStatusCode();

        Assert.Equal(JobState.Completed, (await app.WaitForJobAsync(jobId)).State);
        Assert.Equal(tokens.Values.Order(), app.SendApi.Deliveries.Select(d => d.Token!).Order());
    }

    private static async Task SendLikeMetaAsync(OneTimeNotifApplication app, string body, ConcurrentBag<HttpStatusCode> refusals)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var signature = WebhookSignature.Sign(bytes, OneTimeNotifApplication.AppSecret);
        for (var attempt = 1; ; attempt++)
        {
            var response = await app.PostWebhookAsync(bytes, signature);
            if (response.IsSuccessStatusCode)
            {
                return;
            }
            refusals.Add(response.StatusCode);
            Assert.True(attempt < 60, "Meta would have given up: the host did not recover");
            await Task.Delay(300);
        }
    }
}
