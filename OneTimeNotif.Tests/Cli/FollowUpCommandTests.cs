using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Cli;

/// <summary><c>otn followup send</c>, <c>status</c> and <c>cancel</c> against the standalone host, its queue listener and the fake Send API.</summary>
[Collection(UsesOperatorTools.Name)]
public sealed class FollowUpCommandTests(AzuriteFixture storage) : IAsyncLifetime
{
    private OtnCommandLine _otn = null!;

    public async Task InitializeAsync() => _otn = await OtnCommandLine.StartAsync(storage.Azurite);

    public async Task DisposeAsync() => await _otn.DisposeAsync();

    [Fact]
    public async Task SendWithWaitFollowsTheJobToTheEndAndPrintsItsCounts()
    {
        var tokens = await _otn.App.OptInAsync(_otn.Page, "RESTOCK:kettle", [NewId(), NewId(), NewId()]);

        var run = await _otn.RunAsync("followup", "send", "--page", _otn.Page, "--payload", "RESTOCK:kettle", "--text", "Back in stock!", "--wait");

        run.AssertSucceeded();
        Assert.Contains("queued, 3 user(s) waiting.", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"Job cli-\S+: completed; sent 3, token rejected 0, user unavailable 0, failed 0, unknown 0, pending 0\.", run.Output);
        Assert.Matches(@"Job cli-\S+: completed, 3 of 3 users served: 100%", run.Output);
        Assert.Equal(3, _otn.Fake.Deliveries.Count);
        Assert.All(_otn.Fake.Deliveries, d => Assert.Equal("Back in stock!", d.Message["text"]!.GetValue<string>()));
        run.AssertShowsNoSecret(tokens.Values);
    }

    [Fact]
    public async Task SendPrintsTheJobIdAndStatusReadsTheJobsCounts()
    {
        var users = new[] { NewId(), NewId() };
        var tokens = await _otn.App.OptInAsync(_otn.Page, "APPOINTMENT", users);
        var jobId = Jobs.NewJobId();

        var send = await _otn.RunAsync("followup", "send", "--page", _otn.Page, "--payload", "APPOINTMENT", "--text", "A slot opened", "--psid", users[1], "--job-id", jobId);
        send.AssertSucceeded();
        Assert.Contains($"Submitted follow-up job {jobId} for Page {_otn.Page}, payload APPOINTMENT, PSID {users[1]}: queued.", send.Output, StringComparison.Ordinal);
        Assert.Contains($"Follow it with: otn followup status {jobId}", send.Output, StringComparison.Ordinal);
        await _otn.App.WaitForJobAsync(jobId);

        var status = await _otn.RunAsync("followup", "status", jobId);

        status.AssertSucceeded();
        Assert.Equal($"Job {jobId}: completed; sent 1, token rejected 0, user unavailable 0, failed 0, unknown 0, pending 0.", status.Output.Trim());
        Assert.Equal(tokens[users[1]], Assert.Single(_otn.Fake.Deliveries).Token);
    }

    [Fact]
    public async Task TheStatusOfAnUnknownJobIsAFailureInOneLine()
    {
        var run = await _otn.RunAsync("followup", "status", "no-such-job");

        run.AssertFailedInOneLine(1, "knows no follow-up job 'no-such-job'");
    }

    [Fact]
    public async Task CancelStopsAJobAndPrintsWhatItHadSentAndAnUnknownOrCompletedJobIsAFailure()
    {
        var queued = Jobs.NewJobId();
        // Recorded and never served: cancelled while still queued.
        Assert.True(FollowUpJob.TryParse(Jobs.Json(queued, _otn.Page, "NOBODY-WAITS"), out var job, out _));
        await _otn.App.Services.GetRequiredService<FollowUpJobStore>().RegisterAsync(job!, JobState.Queued);
        await _otn.App.OptInAsync(_otn.Page, "P", [NewId()]);
        var completed = Jobs.NewJobId();
        await _otn.App.SubmitFollowUpAsync(Jobs.Json(completed, _otn.Page, "P"));
        await _otn.App.WaitForJobAsync(completed);

        var cancel = await _otn.RunAsync("followup", "cancel", queued);
        var late = await _otn.RunAsync("followup", "cancel", completed);
        var unknown = await _otn.RunAsync("followup", "cancel", "no-such-job");

        cancel.AssertSucceeded();
        Assert.Equal($"Job {queued}: cancelled; sent 0, token rejected 0, user unavailable 0, failed 0, unknown 0, pending 0.", cancel.Output.Trim());
        late.AssertFailedInOneLine(1, "409", "has completed");
        unknown.AssertFailedInOneLine(1, "knows no follow-up job 'no-such-job'");
    }

    [Fact]
    public async Task AWrongApiKeyIsRefusedAndTheKeyNamed()
    {
        var run = await _otn.RunAsync(s => s["Api:Key"] = "wrong-key-0123456789abc", "followup", "status", "any-job");

        var line = run.AssertFailedInOneLine(1, "401", "Api__Key");
        Assert.DoesNotContain("wrong-key-0123456789abc", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJobThatStopsExitsNonZeroWithItsReasonAndHowToResume()
    {
        const string revoked = "EAAGrevoked-page-token-77a1";
        // Hosts on one storage account share the queue: only the host with the revoked token may take the job.
        await _otn.DisposeAsync();
        _otn = await OtnCommandLine.StartAsync(storage.Azurite, (page, host) => host[$"Messenger:Pages:{page}:AccessToken"] = revoked);
        await _otn.App.OptInAsync(_otn.Page, "P", [NewId()]);

        var run = await _otn.RunAsync("followup", "send", "--page", _otn.Page, "--payload", "P", "--text", "Hello", "--wait", "--job-id", "job-that-stops");

        var line = run.AssertFailedInOneLine(1, "Job job-that-stops: stopped", "190", "--job-id job-that-stops");
        Assert.DoesNotContain(revoked, line, StringComparison.Ordinal);
        Assert.Empty(_otn.Fake.Deliveries);
    }

    [Fact]
    public async Task ATextLongerThanMetaAllowsIsAUsageError()
    {
        var run = await _otn.RunAsync("followup", "send", "--page", _otn.Page, "--payload", "P", "--text", new string('x', 2001));

        run.AssertFailedInOneLine(2, "--text must be 1 to 2000 characters");
    }
}
