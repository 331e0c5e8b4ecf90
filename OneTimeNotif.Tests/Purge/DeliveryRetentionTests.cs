using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Storage;
using OneTimeNotif.Tests.Infrastructure;
using OneTimeNotif.Tokens;
using static OneTimeNotif.Tests.Infrastructure.MetaEvents;

namespace OneTimeNotif.Tests.Purge;

/// <summary>Follow-up jobs and their delivery records are purged once older than <c>Purge__DeliveryRetention</c>.</summary>
[Collection(OnePurgeTestAtATime.Name)]
public sealed class DeliveryRetentionTests : IAsyncLifetime
{
    private readonly string _page = NewId();
    private Azurite _azurite = null!;
    private OneTimeNotifApplication _app = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync();
        var settings = new Dictionary<string, string?>();
        settings["Purge:DeliveryRetention"] = "30.00:00:00";
        settings["FollowUps:SegmentSize"] = "2";
        _app = new OneTimeNotifApplication(_azurite, settings) { WithoutPurgeScheduler = true, SendApiPages = [_page] };
        _app.StartServer();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private StorageTables Tables => _app.Services.GetRequiredService<StorageTables>();

    private async Task<string> DeliverAsync(string payload, int users)
    {
        await _app.OptInAsync(_page, payload, Enumerable.Range(0, users).Select(_ => NewId()));
        var jobId = Jobs.NewJobId();
        await _app.SubmitFollowUpAsync(Jobs.Json(jobId, _page, payload));
        Assert.Equal(users, (await _app.WaitForJobAsync(jobId)).Sent);
        return jobId;
    }

    private static async Task<int> CountAsync(TableClient table, string partition, string? prefix = null)
    {
        var filter = prefix is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {partition}")
            : KeyRange.Filter(partition, prefix);
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(filter))
        {
            count++;
        }
        return count;
    }

    private Task<int> DeliveryRecordsAsync(string payload, string jobId) =>
        CountAsync(Tables.Tokens, TokenKeys.Partition(_page, payload), DeliveryEntity.RowPrefix(jobId));

    private Task<int> DeliveryTwinRowsAsync(string payload) => CountAsync(Tables.Tokens, TokenKeys.Partition(_page, payload), "u_");

    private Task<int> JobRowsAsync(string jobId) => CountAsync(Tables.Jobs, JobEntity.Partition(jobId));

    [Fact]
    public async Task AJobOlderThanTheRetentionIsDeletedWithItsDeliveryRecordsAndSegmentsAndYoungerOnesAreKept()
    {
        var old = await DeliverAsync("OLD-TOPIC", 5);
        Assert.True(await JobRowsAsync(old) > 1, "a job with segments has a job row and segment rows");
        _app.Time.Advance(TimeSpan.FromDays(20));
        var young = await DeliverAsync("YOUNG-TOPIC", 3);

        _app.Time.Advance(TimeSpan.FromDays(10) + TimeSpan.FromMinutes(1));
        var report = await _app.PurgeAsync();

        Assert.Equal((1, 5, 0), (report.JobsDeleted, report.DeliveryRecordsDeleted, report.TokensDeleted));
        Assert.Equal((0, 0), (await DeliveryRecordsAsync("OLD-TOPIC", old), await JobRowsAsync(old)));
        Assert.Equal((0, 3), (await DeliveryTwinRowsAsync("OLD-TOPIC"), await DeliveryTwinRowsAsync("YOUNG-TOPIC")));
        Assert.Null(await _app.GetFollowUpStatusAsync(old));
        Assert.Equal(3, await DeliveryRecordsAsync("YOUNG-TOPIC", young));
        Assert.Equal((JobState.Completed, 3), ((await _app.GetFollowUpStatusAsync(young))!.State, (await _app.GetFollowUpStatusAsync(young))!.Sent));
        // The users' (spent) tokens are not the retention's business: they go when they expire.
        Assert.Equal(5, (await _app.GetTokensAsync(_page, "OLD-TOPIC")).Count);
    }

    [Fact]
    public async Task ThePurgeReadsOnlyTheRowsOfJobsPastTheRetention()
    {
        var old = await DeliverAsync("OLD-TOPIC", 4);
        var segments = await JobRowsAsync(old) - 1;
        _app.Time.Advance(TimeSpan.FromDays(25));
        await DeliverAsync("YOUNG-TOPIC", 6);
        _app.Time.Advance(TimeSpan.FromDays(6));

        var report = await _app.PurgeAsync();
        var again = await _app.PurgeAsync();

        // The old job's index row, its job row, its 4 delivery records and its segment rows; nothing of the young job.
        Assert.Equal(1 + 1 + 4 + segments, report.EntitiesRead);
        // Everything it read, it deleted, and each delivery record's twin row (which names the user, for erasure),
        // whose key it derives from the record's without reading it.
        Assert.Equal(report.EntitiesRead + 4, report.EntitiesDeleted);
        Assert.Equal((0, 0), (again.JobsDeleted, again.EntitiesRead));
    }

    [Fact]
    public async Task AJobIdSubmittedAgainAfterItsRecordsWerePurgedIsANewJob()
    {
        await _app.OptInAsync(_page, "TOPIC", [NewId()]);
        var jobId = Jobs.NewJobId();
        await _app.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "TOPIC"));
        await _app.WaitForJobAsync(jobId);
        _app.Time.Advance(TimeSpan.FromDays(31));
        Assert.Equal(1, (await _app.PurgeAsync()).JobsDeleted);
        await _app.OptInAsync(_page, "TOPIC", [NewId()]);

        await _app.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "TOPIC"));
        var status = await _app.WaitForJobAsync(jobId);

        Assert.Equal(1, status.Sent);
        Assert.Equal(2, _app.SendApi.Deliveries.Count);
        Assert.Equal(0, (await _app.PurgeAsync()).JobsDeleted);
    }

    [Fact]
    public async Task PurgingAStoppedJobReleasesTheTokensItStillHeldForTheNextJob()
    {
        var users = Enumerable.Range(0, 3).Select(_ => NewId()).ToList();
        await _app.OptInAsync(_page, "TOPIC", users);
        var jobId = Jobs.NewJobId();
        _app.SendApi.RevokePageTokensAfter(0);
        await _app.SubmitFollowUpAsync(Jobs.Json(jobId, _page, "TOPIC"));
        Assert.Equal(JobState.Stopped, (await _app.WaitForJobAsync(jobId)).State);
        // Its worker died holding bindings (bound, no call made), and nobody resumed the job.
        foreach (var token in await _app.GetTokensAsync(_page, "TOPIC"))
        {
            await BindAsync(jobId, token);
        }
        _app.SendApi.RestorePageTokens();

        _app.Time.Advance(TimeSpan.FromDays(31));
        var report = await _app.PurgeAsync();
        var next = Jobs.NewJobId();
        await _app.SubmitFollowUpAsync(Jobs.Json(next, _page, "TOPIC"));

        Assert.Equal((1, 3), (report.JobsDeleted, report.DeliveryRecordsDeleted));
        Assert.Equal((JobState.Completed, 3), ((await _app.WaitForJobAsync(next)).State, (await _app.GetFollowUpStatusAsync(next))!.Sent));
    }

    [Fact]
    public async Task AJobStillRunningIsNotPurgedHoweverOld()
    {
        var jobId = Jobs.NewJobId();
        Assert.True(FollowUpJob.TryParse(Jobs.Json(jobId, _page, "TOPIC"), out var job, out _));
        // Recorded as running and never served: as a job whose segments are still on the queue.
        await _app.Services.GetRequiredService<FollowUpJobStore>().RegisterAsync(job!, JobState.Running);

        _app.Time.Advance(TimeSpan.FromDays(31));
        var report = await _app.PurgeAsync();

        Assert.Equal(0, report.JobsDeleted);
        Assert.Equal(JobState.Running, (await _app.GetFollowUpStatusAsync(jobId))!.State);
    }

    /// <summary>What a worker's binding transaction writes: the token reserved for the job and its delivery record.</summary>
    private async Task BindAsync(string jobId, StoredToken token)
    {
        var partition = TokenKeys.Partition(_page, token.Payload);
        await Tables.Tokens.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(partition, token.RowKey) { ["BoundJobId"] = jobId }, Azure.ETag.All),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partition, DeliveryEntity.RowFor(jobId, token.Psid))
            {
                ["JobId"] = jobId, ["Psid"] = token.Psid, ["TokenRowKey"] = token.RowKey, ["State"] = nameof(DeliveryState.Bound),
            }),
        ]);
    }
}
