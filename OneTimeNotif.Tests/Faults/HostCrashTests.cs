using OneTimeNotif.FakeSendApi;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Faults;

public sealed class HostCrashTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private const int Recipients = 400;

    [Fact]
    public async Task AHostKilledMidFanOutAndRestartedMessagesEveryRecipientExactlyOnce()
    {
        var page = NewId();
        await using var fake = await FakeSendApiServer.StartAsync(OneTimeNotifApplication.FakeFor(page));
        fake.Latency = TimeSpan.FromMilliseconds(15);
        List<string> tokens;

        // The first host's receives go through a proxy that shortens its messages' invisibility from the queue
        // listener's 10 minutes to a few seconds: what stands in for the wait after the kill.
        await using (var proxy = await ShortLeaseQueueProxy.StartAsync(storage.Azurite, TimeSpan.FromSeconds(15)))
        await using (var first = await HostProcess.StartAsync(HostProcesses.HostDll, HostProcesses.Environment(proxy.ConnectionString, fake, page)))
        {
            using var http = HostProcesses.Client(first);
            tokens = await HostProcesses.OptInAsync(http, page, "P", Recipients);
            await HostProcesses.SubmitAsync(http, Jobs.Json("crash-job", page, "P"));

            await Poll.UntilAsync(() => fake.Calls >= Recipients / 4, TimeSpan.FromSeconds(60));
            await first.KillAsync();
        }
        var deliveredBeforeCrash = fake.Deliveries.Count;

        await using var second = await HostProcess.StartAsync(HostProcesses.HostDll, HostProcesses.Environment(storage.Azurite.ConnectionString, fake, page));
        using var client = HostProcesses.Client(second);
        var status = await Poll.UntilAsync(
            () => HostProcesses.StatusAsync(client, "crash-job"),
            s => s!.State == JobState.Completed,
            TimeSpan.FromSeconds(90));

        Assert.InRange(deliveredBeforeCrash, 1, Recipients - 1);
        Assert.Equal(Recipients, fake.Deliveries.Count);
        Assert.Equal(tokens.Order(), fake.Deliveries.Select(d => d.Token!).Order());
        // A send that reached Meta just before the kill comes back as "token already used" on the retry.
        Assert.Equal(Recipients, status!.Sent + status.TokenRejected);
        Assert.Equal(0, status.Pending);
    }
}
