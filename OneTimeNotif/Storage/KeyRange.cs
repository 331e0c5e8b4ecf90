using Azure.Data.Tables;

namespace OneTimeNotif.Storage;

/// <summary>Table Storage's cheap read: the rows of one partition whose keys start with a prefix.</summary>
public static class KeyRange
{
    public static string Filter(string partitionKey, string rowKeyPrefix) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {rowKeyPrefix} and RowKey lt {PrefixEnd(rowKeyPrefix)}");

    /// <summary>The first key after every key that starts with <paramref name="prefix"/>.</summary>
    public static string PrefixEnd(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);
}
