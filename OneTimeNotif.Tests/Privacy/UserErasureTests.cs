using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Privacy;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Privacy;

/// <summary>Erasing a user through <c>DELETE /api/users/{pageId}/{psid}</c>, on Azurite, through the standalone host.</summary>
public sealed class UserErasureTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly string _page = NewId();
    private OneTimeNotifApplication _app = null!;

    public Task InitializeAsync()
    {
        _app = new OneTimeNotifApplication(storage.Azurite) { SendApiPages = [_page] };
        _app.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<ErasureCounts> EraseAsync(string psid)
    {
        var response = await _app.CreateKeyedClient().DeleteAsync($"/api/users/{_page}/{psid}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ErasureCounts>())!;
    }

    private Task<List<string>> TracesOfAsync(string psid) => StorageTrace.FindAsync(storage.Azurite.ConnectionString, psid);

    [Fact]
    public async Task ErasureRemovesEveryTraceOfTheUserAndLeavesTheOtherUsersServed()
    {
        var (erased, kept) = (NewId(), NewId());
        var kettle = await _app.OptInAsync(_page, "RESTOCK:kettle", [erased, kept]);
        await _app.OptInAsync(_page, "RESTOCK:kettle", [erased]);
        await _app.OptInAsync(_page, "RESTOCK:teapot", [erased, kept]);
        await _app.OptInAsync(_page, "APPOINTMENT", [erased, kept]);
        // A recurring token too, with a real expiry and stopped, so it has both purge index rows.
        var recurring = NewRecurringToken();
        var expiry = _app.Time.GetUtcNow().AddMonths(6).ToUnixTimeMilliseconds();
        (await _app.PostWebhookAsync(Envelope(Entry(_page,
            RecurringOptIn(_page, erased, "WEEKLY-DEALS", recurring, _app.Time.GetUtcNow().AddDays(-2), expiryMs: expiry),
            RecurringOptIn(_page, erased, "WEEKLY-DEALS", recurring, _app.Time.GetUtcNow().AddDays(-1), "STOP_NOTIFICATIONS", expiry))))).EnsureSuccessStatusCode();
        // Delivery records on two topics, one of them from a job that names the user.
        var fanOut = Jobs.NewJobId();
        await _app.SubmitFollowUpAsync(Jobs.Json(fanOut, _page, "RESTOCK:teapot"));
        Assert.Equal(2, (await _app.WaitForJobAsync(fanOut)).Sent);
        var targeted = Jobs.NewJobId();
        await _app.SubmitFollowUpAsync(Jobs.Json(targeted, _page, "APPOINTMENT", erased));
        Assert.Equal(1, (await _app.WaitForJobAsync(targeted)).Sent);
        Assert.NotEmpty(await TracesOfAsync(erased));

        var counts = await EraseAsync(erased);

        Assert.Equal(new ErasureCounts(Tokens: 5, Deliveries: 2, Jobs: 1), counts);
        Assert.Empty(await TracesOfAsync(erased));
        Assert.Null(await _app.GetFollowUpStatusAsync(targeted));
        Assert.Single(await _app.GetTokensAsync(_page, "RESTOCK:kettle", kept));
        // The job's counts are what it did, kept per segment: erasing a user removes their records, not the count.
        Assert.Equal(2, (await _app.WaitForJobAsync(fanOut)).Sent);
        var next = Jobs.NewJobId();
        await _app.SubmitFollowUpAsync(Jobs.Json(next, _page, "RESTOCK:kettle", text: "Kettles are back"));
        Assert.Equal(1, (await _app.WaitForJobAsync(next)).Sent);
        Assert.Equal(kettle[kept], Assert.Single(_app.SendApi.Deliveries, d => d.Message["text"]!.GetValue<string>() == "Kettles are back").Token);
    }

    [Fact]
    public async Task AnOptInFromBeforeTheErasureIsNotStoredAgainButANewOneIs()
    {
        var user = NewId();
        var before = _app.Time.GetUtcNow().AddHours(-2);
        var oldToken = NewToken();
        var oldOptIn = Envelope(Entry(_page, OptIn(_page, user, "RESTOCK:kettle", oldToken, before)));
        (await _app.PostWebhookAsync(oldOptIn)).EnsureSuccessStatusCode();
        await EraseAsync(user);

        var redelivered = await _app.PostWebhookAsync(oldOptIn);

        Assert.Equal(HttpStatusCode.OK, redelivered.StatusCode);
        Assert.Empty(await TracesOfAsync(user));

        _app.Time.Advance(TimeSpan.FromMinutes(1));
        var newToken = NewToken();
        (await _app.PostWebhookAsync(Envelope(Entry(_page, OptIn(_page, user, "RESTOCK:kettle", newToken, _app.Time.GetUtcNow()))))).EnsureSuccessStatusCode();

        Assert.Equal(newToken, Assert.Single(await _app.GetTokensAsync(_page, "RESTOCK:kettle", user)).Token);
        Assert.Equal(new ErasureCounts(1, 0, 0), await EraseAsync(user));
    }

    [Fact]
    public async Task AFollowUpInFlightDuringTheErasureRecreatesNothing()
    {
        var (erased, kept) = (NewId(), NewId());
        await _app.OptInAsync(_page, "RESTOCK:kettle", [erased, kept]);
        _app.SendApi.Latency = TimeSpan.FromSeconds(2);
        var job = Jobs.NewJobId();
        await _app.SubmitFollowUpAsync(Jobs.Json(job, _page, "RESTOCK:kettle"));
        // Counts appear when a segment's attempt ends; the tokens show the bindings at once.
        await Poll.UntilAsync(async () => (await _app.GetTokensAsync(_page, "RESTOCK:kettle")).All(t => t.BoundJobId == job), describe: () => "the job has bound both users");

        var counts = await EraseAsync(erased);
        var status = await _app.WaitForJobAsync(job);

        Assert.Equal(new ErasureCounts(1, 1, 0), counts);
        Assert.Equal((JobState.Completed, 1, 0), (status.State, status.Sent, status.Pending));
        Assert.Empty(await TracesOfAsync(erased));
        // The answer for the erased user finds its rows gone and writes nothing back, without failing the segment.
        Assert.DoesNotContain(_app.Logs.Entries, l => l.EventId.Id == 6002);
    }

    [Fact]
    public async Task AJobQueuedForAUserBeforeTheErasureIsDroppedWithoutRecordingTheUser()
    {
        var user = NewId();
        await _app.OptInAsync(_page, "APPOINTMENT", [user]);
        await EraseAsync(user);
        var job = Jobs.NewJobId();

        Assert.True(FollowUpJob.TryParse(Jobs.Json(job, _page, "APPOINTMENT", user), out var queued, out _));
        await _app.Services.GetRequiredService<FollowUpQueueClient>().EnqueueAsync(queued!);

        await _app.WaitForLogAsync(11002, l => l.Text.Contains(job, StringComparison.Ordinal));
        Assert.Null(await _app.GetFollowUpStatusAsync(job));
        Assert.Empty(await TracesOfAsync(user));
    }

    [Fact]
    public async Task AUserWithNothingStoredIsErasedWithZeroCounts() =>
        Assert.Equal(new ErasureCounts(0, 0, 0), await EraseAsync(NewId()));

    [Fact]
    public async Task ErasureNeedsTheKeyAndNumericIds()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.CreateClient().DeleteAsync($"/api/users/{_page}/{NewId()}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _app.CreateKeyedClient().DeleteAsync($"/api/users/{_page}/not-a-psid")).StatusCode);
    }
}
