using System.Net.Http.Json;
using System.Text;
using OneTimeNotif.FakeSendApi;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Tests.Infrastructure;
using OneTimeNotif.Webhook;
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
        var hostDll = Path.Combine(AppContext.BaseDirectory, "OneTimeNotif.Host.dll");
        var tokens = new List<string>();

        // The first host's receives go through a proxy that shortens its messages' invisibility from the queue
        // listener's 10 minutes to a few seconds: what stands in for the wait after the kill.
        await using (var proxy = await ShortLeaseQueueProxy.StartAsync(storage.Azurite, TimeSpan.FromSeconds(15)))
        await using (var first = await HostProcess.StartAsync(hostDll, HostProcesses.Environment(proxy.ConnectionString, fake, page)))
        {
            using var http = HostProcesses.Client(first);
            for (var batch = 0; batch < Recipients / 50; batch++)
            {
                var optIns = Enumerable.Range(0, 50).Select(_ => (Psid: NewId(), Token: NewToken())).ToList();
                tokens.AddRange(optIns.Select(o => o.Token));
                var body = Encoding.UTF8.GetBytes(Envelope(Entry(page, [.. optIns.Select(o => OptIn(page, o.Psid, "P", o.Token, DateTimeOffset.UtcNow.AddDays(-1)))])));
                using var content = new ByteArrayContent(body);
                content.Headers.Add(WebhookSignature.HeaderName, WebhookSignature.Sign(body, OneTimeNotifApplication.AppSecret));
                (await http.PostAsync(new Uri("/api/webhook", UriKind.Relative), content)).EnsureSuccessStatusCode();
            }
            var job = new StringContent(Jobs.Json("crash-job", page, "P"), Encoding.UTF8, "application/json");
            (await http.PostAsync(new Uri("/api/followups", UriKind.Relative), job)).EnsureSuccessStatusCode();

            await Poll.UntilAsync(() => fake.Calls >= Recipients / 4, TimeSpan.FromSeconds(60));
            await first.KillAsync();
        }
        var deliveredBeforeCrash = fake.Deliveries.Count;

        await using var second = await HostProcess.StartAsync(hostDll, HostProcesses.Environment(storage.Azurite.ConnectionString, fake, page));
        using var client = HostProcesses.Client(second);
        var status = await Poll.UntilAsync(
            () => client.GetFromJsonAsync<FollowUpStatus>(new Uri("/api/followups/crash-job", UriKind.Relative)),
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
