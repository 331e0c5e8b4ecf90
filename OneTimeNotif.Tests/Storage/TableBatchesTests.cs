using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.Storage;
using OneTimeNotif.Tests.Infrastructure;

namespace OneTimeNotif.Tests.Storage;

/// <summary>The one batch-write path: transactions per partition, and row by row only where a row is the problem.</summary>
public sealed class TableBatchesTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly OneTimeNotifApplication _app = new(storage.Azurite);
    private readonly string _partition = $"batch-{Guid.NewGuid():N}";

    private TableBatches Batches => _app.Services.GetRequiredService<TableBatches>();

    private TableClient Table => _app.Services.GetRequiredService<StorageTables>().Jobs;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private List<ITableEntity> Rows(int count, int from = 0) =>
        [.. Enumerable.Range(from, count).Select(i => new TableEntity(_partition, $"r{i:D4}") { ["Value"] = i })];

    private async Task<List<string>> StoredRowKeysAsync()
    {
        var keys = new List<string>();
        await foreach (var row in Table.QueryAsync<TableEntity>(e => e.PartitionKey == _partition, select: ["RowKey"]))
        {
            keys.Add(row.RowKey);
        }
        return keys;
    }

    [Fact]
    public async Task AddingRowsThatPartlyExistAddsTheRestAndCountsTheOthersUnchanged()
    {
        await Batches.AddAsync(Table, Rows(30, from: 100));

        var outcome = await Batches.AddAsync(Table, Rows(250));

        Assert.Equal((220, 30, 0), (outcome.Applied, outcome.Unchanged, outcome.Refused.Count));
        Assert.Equal(250, (await StoredRowKeysAsync()).Count);
    }

    [Fact]
    public async Task DeletingRowsThatPartlyAreGoneDeletesTheRestAndCountsTheOthersUnchanged()
    {
        await Batches.AddAsync(Table, Rows(150));

        var outcome = await Batches.DeleteAsync(Table, _partition, Rows(180).Select(r => r.RowKey));

        Assert.Equal((150, 30), (outcome.Applied, outcome.Unchanged));
        Assert.Empty(await StoredRowKeysAsync());
    }

    [Fact]
    public async Task ARowStorageRefusesIsReportedAndItsSiblingsAreStored()
    {
        var rows = Rows(10);
        // Over the 64 KiB a string property may hold: storage answers 400 for this row, and for its transaction.
        ((TableEntity)rows[4])["Value"] = new string('x', StorageRefusal.MaxStringPropertyChars + 1);

        var outcome = await Batches.AddAsync(Table, rows);

        var refused = Assert.Single(outcome.Refused);
        Assert.Equal("r0004", refused.Entity.RowKey);
        Assert.Equal(400, refused.Status);
        Assert.Equal(9, outcome.Applied);
        Assert.Equal(9, (await StoredRowKeysAsync()).Count);
    }
}
