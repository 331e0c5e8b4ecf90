using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Host;

public sealed class AzureSdkEventTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    /// <summary>
    /// The WebJobs storage extension would start a forwarder that turns every Azure SDK event source to Verbose; the
    /// host keeps it off, so storage calls cost no event formatting (and the log shows no per-request lines).
    /// </summary>
    [Fact]
    public async Task TheStandaloneHostLeavesTheAzureSdkEventSourcesOffWhileItServesTheQueueAndStoresOptIns()
    {
        // Started means the queue listener is listening: the extension has created its queue client by then.
        await using var app = new OneTimeNotifApplication(storage.Azurite);
        app.StartServer();
        string page = NewId();

        (await app.PostWebhookAsync(Envelope(Entry(page, OptIn(page, NewId(), "P", NewToken(), DateTimeOffset.UtcNow))))).EnsureSuccessStatusCode();

        Assert.DoesNotContain(app.Logs.Entries, l => l.Category.StartsWith("Azure.", StringComparison.Ordinal));
    }
}
