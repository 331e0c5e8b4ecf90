using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OneTimeNotif.FakeSendApi;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.FollowUps;

public sealed class FollowUpSecretLoggingTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task AFollowUpThroughEveryOutcomeAtTraceLevelLogsNoTokenNoSecretAndNoMessageText()
    {
        var page = NewId();
        await using var app = new OneTimeNotifApplication(storage.Azurite, new Dictionary<string, string?> { ["FollowUps:SegmentSize"] = "3" }) { SendApiPages = [page] };
        var fake = app.SendApi;
        var tokens = await app.OptInAsync(page, "P", Enumerable.Range(0, 8).Select(_ => NewId()));
        var list = tokens.Values.ToList();
        fake.UseToken(list[0]);
        fake.FailToken(list[1], FakeError.UserUnavailable);
        fake.FailNext(FakeError.Throttled, FakeError.ServerError);
        const string text = "Private follow-up text 7c1e: your parcel is at the front desk";
        var jobId = Jobs.NewJobId();

        await app.SubmitFollowUpAsync(Jobs.Json(jobId, page, "P", text: text));
        var status = await app.WaitForJobAsync(jobId);
        await app.Services.GetRequiredService<FollowUpQueueClient>().Queue.SendMessageAsync("{\"jobId\":\"bad\",\"message\":{\"text\":\"" + text + "\"}}");
        await app.WaitForLogAsync(5001);

        Assert.Equal((6, 1, 1), (status.Sent, status.TokenRejected, status.UserUnavailable));
        Assert.Contains(app.Logs.Entries, l => l.EventId.Id == 5007 && l.Level == LogLevel.Debug);
        Assert.Contains(app.Logs.Entries, l => l.Category.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal) && l.Level == LogLevel.Trace);
        Assert.Contains(app.Logs.Entries, l => l.EventId.Id == 5001);
        string[] secrets = [OneTimeNotifApplication.AppSecret, OneTimeNotifApplication.PageAccessToken, text, .. list];
        foreach (var entry in app.Logs.Entries)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, entry.Text, StringComparison.Ordinal);
            }
        }
    }
}
