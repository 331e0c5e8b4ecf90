using System.Net;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Storage;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Webhook;

/// <summary>An opt-in storage can never hold costs only itself: its siblings are stored and Meta gets its 200.</summary>
public sealed class OversizedOptInTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Theory]
    [InlineData("payload")]
    [InlineData("token")]
    public async Task ABatchWithOneOversizedOptInIsAcceptedAndItsGoodOptInsAreStoredAndDeliverable(string oversized)
    {
        var page = NewId();
        await using var app = new OneTimeNotifApplication(storage.Azurite) { SendApiPages = [page] };
        var fake = app.SendApi;
        var good = Enumerable.Range(0, 4).ToDictionary(_ => NewId(), _ => NewToken());
        var huge = new string('x', StorageRefusal.MaxStringPropertyChars + 1);
        var badUser = NewId();
        var badToken = oversized == "token" ? huge : NewToken();
        var badPayload = oversized == "payload" ? huge : "RESTOCK";
        var at = app.Time.GetUtcNow().AddDays(-1);
        var body = Envelope(Entry(page,
        [
            .. good.Take(2).Select(u => OptIn(page, u.Key, "RESTOCK", u.Value, at)),
            OptIn(page, badUser, badPayload, badToken, at),
            .. good.Skip(2).Select(u => OptIn(page, u.Key, "RESTOCK", u.Value, at)),
        ]));

        var response = await app.PostWebhookAsync(body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var skipped = Assert.Single(app.Logs.Entries, l => l.EventId.Id == 2002);
        Assert.Contains($"Page {page}", skipped.Text, StringComparison.Ordinal);
        Assert.Contains(oversized, skipped.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(app.Logs.Entries, l => l.Text.Contains("xxxxxxxx", StringComparison.Ordinal) || l.Text.Contains(badToken, StringComparison.Ordinal));
        Assert.Equal(good.Values.Order(), (await app.GetTokensAsync(page, "RESTOCK")).Select(t => t.Token).Order());

        var jobId = Jobs.NewJobId();
        Assert.Equal(HttpStatusCode.Accepted, (await app.SubmitFollowUpAsync(Jobs.Json(jobId, page, "RESTOCK"))).StatusCode);
        var status = await app.WaitForJobAsync(jobId);

        Assert.Equal(JobState.Completed, status.State);
        Assert.Equal(good.Values.Order(), fake.Deliveries.Select(d => d.Token!).Order());
    }
}
