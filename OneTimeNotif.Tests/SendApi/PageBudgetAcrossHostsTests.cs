using OneTimeNotif.FakeSendApi;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.SendApi;

/// <summary>Several host processes on one queue serving one Page: the Page's budget is theirs together.</summary>
[Collection(MeasuresTiming.Name)]
public sealed class PageBudgetAcrossHostsTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task TwoHostsOnOneQueueTogetherStayWithinThePagesRateEverySecond()
    {
        const int rate = 60;
        const int recipients = 360;
        var page = NewId();
        await using var fake = await FakeSendApiServer.StartAsync(OneTimeNotifApplication.FakeFor(page));
        fake.Latency = TimeSpan.FromMilliseconds(10);
        var environment = HostProcesses.Environment(storage.Azurite.ConnectionString, fake, page, new Dictionary<string, string>
        {
            [$"Messenger__Pages__{page}__MessagesPerSecond"] = $"{rate}",
            // Small segments, so every host has some of the job at once.
            ["FollowUps__SegmentSize"] = "30",
        });
        // Two hosts, not three: on two cores a third process's stalls bunch its calls at the fake whatever the budget granted.
        var hosts = await HostProcesses.StartAsync(2, environment);
        try
        {
            using var client = HostProcesses.Client(hosts[0]);
            var tokens = await HostProcesses.OptInAsync(client, page, "P", recipients);

            await HostProcesses.SubmitAsync(client, Jobs.Json("two-hosts", page, "P"));
            await Poll.UntilAsync(() => fake.Deliveries.Count >= recipients, TimeSpan.FromSeconds(60));

            var perSecond = fake.CallsPerSecond(page);
            Assert.All(perSecond, second => Assert.True(second.Calls <= rate * 1.05,
                $"{second.Calls} calls in the second from {second.Second:HH:mm:ss}: {string.Join(", ", perSecond.Select(s => s.Calls))}"));
            Assert.Equal(tokens.Order(), fake.Deliveries.Select(d => d.Token!).Order());
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ABlockMetaNamesPausesEveryHostAndDeliveryResumesAfterIt()
    {
        const int recipients = 160;
        var page = NewId();
        await using var fake = await FakeSendApiServer.StartAsync(OneTimeNotifApplication.FakeFor(page));
        fake.Latency = TimeSpan.FromMilliseconds(10);
        var environment = HostProcesses.Environment(storage.Azurite.ConnectionString, fake, page, new Dictionary<string, string> { ["FollowUps__SegmentSize"] = "20" });
        var hosts = await HostProcesses.StartAsync(2, environment);
        try
        {
            using var client = HostProcesses.Client(hosts[0]);
            var tokens = await HostProcesses.OptInAsync(client, page, "P", recipients);
            await HostProcesses.SubmitAsync(client, Jobs.Json("blocked", page, "P"));
            await Poll.UntilAsync(() => fake.Deliveries.Count >= 40, TimeSpan.FromSeconds(60));

            fake.BlockPage(page, TimeSpan.FromSeconds(4));
            await Poll.UntilAsync(() => fake.Deliveries.Count >= recipients, TimeSpan.FromSeconds(60));

            var firstRefusal = fake.CallLog.First(c => c.Throttled).At;
            var blockEnd = fake.BlockedUntil(page)!.Value;
            // Calls already on their way when the first 80006 came back may still arrive; none after that.
            var duringBlock = fake.CallLog.Where(c => c.At > firstRefusal + TimeSpan.FromSeconds(0.75) && c.At < blockEnd).ToList();
            Assert.True(duringBlock.Count == 0, $"{duringBlock.Count} call(s) during the block, the first at {duringBlock.FirstOrDefault()?.At:HH:mm:ss.fff}; block {firstRefusal:HH:mm:ss.fff} to {blockEnd:HH:mm:ss.fff}");
            Assert.Contains(fake.Deliveries, d => d.At > blockEnd);
            Assert.Equal(tokens.Order(), fake.Deliveries.Select(d => d.Token!).Order());
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }
}
