using Azure;
using Azure.Data.Tables;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Purge;

/// <summary>Deletes rows in entity-group transactions, where a row already gone is not an error.</summary>
internal static class TableDeletes
{
    /// <summary>Table Storage's limit on one entity-group transaction.</summary>
    private const int MaxTransactionSize = 100;

    /// <summary>Deletes rows of one partition, up to 100 per transaction; returns how many this call deleted.</summary>
    public static async Task<int> DeleteRowsAsync(TableClient table, string partitionKey, IEnumerable<string> rowKeys, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var chunk in rowKeys.Chunk(MaxTransactionSize))
        {
            deleted += await DeleteChunkAsync(table, partitionKey, chunk, cancellationToken).ConfigureAwait(false);
        }
        return deleted;
    }

    /// <summary>Reads the row keys of a prefix range of one partition and deletes those rows, a page at a time.</summary>
    public static async Task<int> DeleteRangeAsync(TableClient table, string partitionKey, string rowKeyPrefix, PurgeTally tally, CancellationToken cancellationToken)
    {
        var filter = KeyRange.Filter(partitionKey, rowKeyPrefix);
        var deleted = 0;
        var pages = table.QueryAsync<TableEntity>(filter, select: [nameof(ITableEntity.RowKey)], cancellationToken: cancellationToken).AsPages();
        await foreach (var page in pages.ConfigureAwait(false))
        {
            tally.Read(page.Values.Count);
            deleted += await DeleteRowsAsync(table, partitionKey, page.Values.Select(e => e.RowKey), cancellationToken).ConfigureAwait(false);
        }
        return deleted;
    }

    private static async Task<int> DeleteChunkAsync(TableClient table, string partitionKey, string[] rowKeys, CancellationToken cancellationToken)
    {
        if (rowKeys.Length > 1)
        {
            try
            {
                var actions = rowKeys.Select(rowKey =>
                    new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partitionKey, rowKey), ETag.All));
                await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                return rowKeys.Length;
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // One row is gone already (a run cut off earlier got to it): a transaction fails whole, so nothing was
                // deleted; row by row, each missing row is simply skipped.
            }
        }
        var deleted = 0;
        foreach (var rowKey in rowKeys)
        {
            deleted += await DeleteRowAsync(table, partitionKey, rowKey, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }
        return deleted;
    }

    private static async Task<bool> DeleteRowAsync(TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            var response = await table.DeleteEntityAsync(partitionKey, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
            return response.Status != 404;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }
}
