using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Tests.Infrastructure;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.FollowUps;

/// <summary>The HTTP contract of POST /api/followups and GET /api/followups/{jobId}.</summary>
public sealed class FollowUpApiTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly string _page = NewId();
    private OneTimeNotifApplication _app = null!;

    public Task InitializeAsync()
    {
        _app = new OneTimeNotifApplication(storage.Azurite) { SendApiPages = [_page] };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public void EveryJobStateGoesByTheNameTheApiWritesForIt()
    {
        Assert.All(Enum.GetValues<JobState>(), state => Assert.Equal(JsonSerializer.Serialize(state), $"\"{state.ToName()}\""));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-wrong-key-wrong")]
    public async Task TheEndpointsRefuseCallsWithoutTheKey(string? key)
    {
        var client = _app.CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("x-functions-key", key);
        }
        var job = Jobs.Json(Jobs.NewJobId(), _page, "P");

        var submit = await client.PostAsync("/api/followups", new StringContent(job, Encoding.UTF8, "application/json"));
        var status = await client.GetAsync("/api/followups/anything");

        Assert.Equal(HttpStatusCode.Unauthorized, submit.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, status.StatusCode);
        Assert.Contains("x-functions-key", await submit.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "not a JSON object")]
    [InlineData("""{"jobId":"j","pageId":"1","payload":"P","message":{"text":"a"},"message":{"text":"b"}}""", "Duplicate")]
    [InlineData("{}", "jobId is required")]
    [InlineData("""{"jobId":"j","pageId":"abc","payload":"P","message":{"text":"hi"}}""", "pageId must be a Page ID")]
    [InlineData("""{"jobId":"j","pageId":"1","payload":"P","psid":"x1","message":{"text":"hi"}}""", "psid must be a PSID")]
    [InlineData("""{"jobId":"j","pageId":"1","payload":"P"}""", "message is required")]
    [InlineData("""{"jobId":"j","pageId":"1","payload":"P","message":{}}""", "message needs a text or an attachment")]
    [InlineData("""{"jobId":"j","pageId":"1","payload":"P","message":{"text":""}}""", "message.text must be a string of 1 to 2000")]
    [InlineData("""{"jobId":"j","pageId":"1","message":{"text":"hi"}}""", "payload is required")]
    public async Task AnInvalidJobIs400WithTheReason(string body, string reason)
    {
        var response = await _app.SubmitFollowUpAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJobForAPageThatIsNotServedIs400NamingTheSetting()
    {
        var response = await _app.SubmitFollowUpAsync(Jobs.Json(Jobs.NewJobId(), "999", "P"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Messenger__Pages__999__AccessToken", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReusingAJobIdForADifferentFollowUpIs409AndChangesNothing()
    {
        var jobId = Jobs.NewJobId();
        await _app.OptInAsync(_page, "P", [NewId()]);
        Assert.Equal(HttpStatusCode.Accepted, (await _app.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "P"))).StatusCode);

        var different = Jobs.Json(jobId, _page, "P", text: "A different message");
        var response = await _app.SubmitFollowUpAsync(different);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        // Where the jobs part, so an operator can tell a changed job from a corrupted one; never what they say.
        var reason = await response.Content.ReadAsStringAsync();
        Assert.Matches("the recorded job is [0-9]+ characters, this one [0-9]+; they differ from character [0-9]+", reason);
        Assert.DoesNotContain("A different message", reason, StringComparison.Ordinal);
        await _app.WaitForJobAsync(jobId);
        Assert.Equal(Jobs.Text, Assert.Single(_app.SendApi.Deliveries).Message["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheStatusOfAnUnknownJobIs404()
    {
        var response = await _app.CreateKeyedClient().GetAsync("/api/followups/no-such-job");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task WhileTheJobTableFailsEveryEndpointAnswers503WithTheReasonAndTheJobGoesThroughOnceItIsBack()
    {
        await _app.OptInAsync(_page, "P", [NewId()]);
        var jobId = Jobs.NewJobId();
        var client = _app.CreateKeyedClient();
        _app.Storage.FailWhen = m => m.Request.Uri.Path.Contains("OtnFollowUpJobs", StringComparison.Ordinal);

        HttpResponseMessage[] answers =
        [
            await _app.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "P")),
            await client.GetAsync($"/api/followups/{jobId}"),
            await client.DeleteAsync($"/api/followups/{jobId}"),
        ];

        foreach (var answer in answers)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
            var problem = await answer.Content.ReadFromJsonAsync<JsonObject>();
            Assert.Contains("Storage", problem!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Contains("403 AuthorizationFailure", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        _app.Storage.FailWhen = null;
        Assert.Equal(HttpStatusCode.Accepted, (await _app.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "P"))).StatusCode);
        var done = await _app.WaitForJobAsync(jobId);
        Assert.Equal((JobState.Completed, 1), (done.State, done.Sent));
    }

    [Fact]
    public async Task AnAcceptedJobReportsItsCountsFromQueuedToCompleted()
    {
        var users = Enumerable.Range(0, 3).Select(_ => NewId()).ToList();
        await _app.OptInAsync(_page, "P", users);
        var jobId = Jobs.NewJobId();

        var response = await _app.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "P"));
        var accepted = await response.Content.ReadFromJsonAsync<FollowUpStatus>();
        var done = await _app.WaitForJobAsync(jobId);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(new FollowUpStatus(jobId, JobState.Queued, null, 0, 0, 0, 0, 0, 0), accepted);
        Assert.Equal(new FollowUpStatus(jobId, JobState.Completed, null, 3, 0, 0, 0, 0, 0), done);
    }

    [Fact]
    public async Task TheLibraryClientEnqueuesAValidJobAndRefusesAnInvalidOne()
    {
        var queue = _app.Services.GetRequiredService<FollowUpQueueClient>();
        var user = NewId();
        var tokens = await _app.OptInAsync(_page, "P", [user]);
        var jobId = Jobs.NewJobId();
        var message = new JsonObject { ["text"] = "Your table is ready" };

        await queue.EnqueueAsync(new FollowUpJob(jobId, _page, "P", null, message));
        var invalid = await Assert.ThrowsAsync<ArgumentException>(() =>
            queue.EnqueueAsync(new FollowUpJob(Jobs.NewJobId(), "page-one", "P", null, message)));

        Assert.Contains("pageId", invalid.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await _app.WaitForJobAsync(jobId)).Sent);
        Assert.Equal(tokens[user], Assert.Single(_app.SendApi.Deliveries).Token);
    }

    /// <summary>A job whose message carries <paramref name="text"/> in a generic template's subtitle (attachments have no length rule of ours).</summary>
    private static string JobWithAttachment(string jobId, string pageId, string text) => new JsonObject
    {
        ["jobId"] = jobId,
        ["pageId"] = pageId,
        ["payload"] = "P",
        ["message"] = new JsonObject
        {
            ["attachment"] = new JsonObject
            {
                ["type"] = "template",
                ["payload"] = new JsonObject
                {
                    ["template_type"] = "generic",
                    ["elements"] = new JsonArray(new JsonObject { ["title"] = "Notice", ["subtitle"] = text }),
                },
            },
        },
    }.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    [Fact]
    public async Task AJobInArabicIsKeptAtItsOwnSizeNotThreeTimesItAndDelivered()
    {
        // 25,000 Arabic letters: 50 KB as UTF-8, 150 KB once escaped as \uXXXX.
        var arabic = string.Concat(Enumerable.Repeat("عاد المنتج ", 2500))[..25000];
        await _app.OptInAsync(_page, "P", [NewId()]);
        var jobId = Jobs.NewJobId();

        var response = await _app.SubmitFollowUpAsync(JobWithAttachment(jobId, _page, arabic));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, (await _app.WaitForJobAsync(jobId)).Sent);
        Assert.Equal(arabic, Assert.Single(_app.SendApi.Deliveries).Message["attachment"]!["payload"]!["elements"]![0]!["subtitle"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("日本語のお知らせ", 22000, "bytes")]
    [InlineData("restock ", 33000, "characters")]
    public async Task AJobOverTheLimitIs413NamingTheLimitAndTheLibraryClientRefusesIt(string unit, int length, string limit)
    {
        var text = string.Concat(Enumerable.Repeat(unit, (length / unit.Length) + 1))[..length];
        var json = JobWithAttachment(Jobs.NewJobId(), _page, text);

        var response = await _app.SubmitFollowUpAsync(json);
        Assert.True(FollowUpJob.TryParse(json, out var job, out _));
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => _app.Services.GetRequiredService<FollowUpQueueClient>().EnqueueAsync(job!));

        var reason = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var expected = limit == "bytes" ? $"at most {FollowUpJobLimits.MaxJobBytes} bytes" : $"at most {FollowUpJobLimits.MaxTablePropertyChars} ";
        Assert.Contains(expected, reason, StringComparison.Ordinal);
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
    }
}
