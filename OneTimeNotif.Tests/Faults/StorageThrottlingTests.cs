using OneTimeNotif.FakeSendApi;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Storage;
using OneTimeNotif.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Faults;

/// <summary>Table Storage answering ServerBusy in bursts longer than the SDK's own retries.</summary>
public sealed class StorageThrottlingTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private const int Recipients = 80;

    [Fact]
    public async Task ServerBusyBurstsDuringAFanOutMessageEveryUserOnceAndPoisonNoMessage()
    {
        var page = NewId();
        await using var proxy = await ThrottlingTableProxy.StartAsync(storage.Azurite.TablePort);
        // Only the token table, where binding and recording happen, is throttled.
        proxy.Applies = request => request.Path.Value!.Contains(StorageTables.TokensTableName, StringComparison.Ordinal)
            || request.Path.Value.Contains("$batch", StringComparison.Ordinal);
        await using var fake = await FakeSendApiServer.StartAsync(OneTimeNotifApplication.FakeFor(page));
        // About 20 users a second, so the fan-out spans several busy periods.
        fake.Latency = TimeSpan.FromMilliseconds(200);
        var settings = OneTimeNotifApplication.Serving(fake, page);
        settings["FollowUps:SegmentSize"] = "20";
        settings["FollowUps:SendConcurrency"] = "4";
        var connection = Azurite.ConnectionStringFor(storage.Azurite.BlobPort, storage.Azurite.QueuePort, proxy.Port);
        await using var app = new OneTimeNotifApplication(connection, settings);
        var tokens = await app.OptInAsync(page, "RESTOCK", Enumerable.Range(0, Recipients).Select(_ => NewId()));
        var poison = app.Services.GetRequiredService<FollowUpQueueClient>().PoisonQueue;
        await poison.CreateIfNotExistsAsync();
        var poisonedBefore = (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount;

        var jobId = Jobs.NewJobId();
        (await app.SubmitFollowUpAsync(Jobs.Json(jobId, page, "RESTOCK"))).EnsureSuccessStatusCode();
        // Busy for 6 s (several times the SDK's quick retries), then free for 1 s, until every user has been messaged
        // (the status read goes through the same busy storage, so it waits for the bursts to end).
        var until = DateTime.UtcNow.AddSeconds(90);
        while (fake.Deliveries.Count < Recipients && DateTime.UtcNow < until)
        {
            proxy.Busy = true;
            await Task.Delay(6000);
            proxy.Busy = false;
            await Task.Delay(1000);
        }
        var status = await app.WaitForJobAsync(jobId, TimeSpan.FromSeconds(60));

        Assert.True(proxy.Refused > 10, $"only {proxy.Refused} requests were refused");
        Assert.DoesNotContain(app.Logs.Entries, l => l.EventId.Id == 5001);
        Assert.Equal(poisonedBefore, (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Contains(app.Logs.Entries, l => l.EventId.Id == 5004 && l.Text.Contains("storage is throttling", StringComparison.Ordinal));
        Assert.Equal(JobState.Completed, status.State);
        Assert.Equal(tokens.Values.Order(), fake.Deliveries.Select(d => d.Token!).Order());
        // A send whose answer could not be recorded is sent again with its bound token, which Meta refuses as used.
        Assert.Equal(Recipients, status.Sent + status.TokenRejected);
    }
}
