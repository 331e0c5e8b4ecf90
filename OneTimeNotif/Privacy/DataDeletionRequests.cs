using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Privacy;

/// <summary>
/// Meta's data-deletion requests (table <c>OtnDataDeletions</c>), one row per confirmation code: when it came, whether
/// it is done, what was erased. No PSID and no app-scoped ID: the status page needs neither.
/// </summary>
public sealed class DataDeletionRequests(StorageTables tables, TimeProvider time)
{
    private const string Row = "request";

    /// <summary>80 random bits, hex: unguessable, so a status page is seen only by whoever holds the code.</summary>
    private const int CodeBytes = 10;

    private TableClient Requests => tables.DataDeletions;

    /// <summary>Records a new request as pending; returns its confirmation code.</summary>
    internal async Task<string> RecordAsync(CancellationToken cancellationToken)
    {
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var code = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(CodeBytes));
        await Requests.AddEntityAsync(new DataDeletionEntity { PartitionKey = code, RowKey = Row, ReceivedAt = time.GetUtcNow() }, cancellationToken).ConfigureAwait(false);
        return code;
    }

    /// <returns>The request, or null for a code never issued (or not a code at all).</returns>
    public async Task<DataDeletionEntity?> FindAsync(string code, CancellationToken cancellationToken = default)
    {
        if (!IsCode(code))
        {
            return null;
        }
        await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        return (await Requests.GetEntityIfExistsAsync<DataDeletionEntity>(code, Row, cancellationToken: cancellationToken).ConfigureAwait(false)).ValueOrNull();
    }

    internal Task RecordFailedAttemptAsync(DataDeletionEntity request, string reason, CancellationToken cancellationToken)
    {
        request.Attempts++;
        request.LastFailure = reason;
        return Requests.UpdateEntityAsync(request, ETag.All, TableUpdateMode.Replace, cancellationToken);
    }

    internal Task CompleteAsync(DataDeletionEntity request, int users, ErasureCounts erased, CancellationToken cancellationToken)
    {
        request.State = DataDeletionState.Done;
        request.CompletedAt = time.GetUtcNow();
        request.Attempts++;
        request.LastFailure = null;
        request.Users = users;
        request.Tokens = erased.Tokens;
        request.Deliveries = erased.Deliveries;
        request.Jobs = erased.Jobs;
        return Requests.UpdateEntityAsync(request, ETag.All, TableUpdateMode.Replace, cancellationToken);
    }

    public static bool IsCode(string? code) =>
        code is { Length: CodeBytes * 2 } && code.All(char.IsAsciiHexDigitLower);
}

public sealed class DataDeletionEntity : TableRow
{
    public string State { get; set; } = DataDeletionState.Pending;
    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Calls to Meta's ID-matching API so far.</summary>
    public int Attempts { get; set; }

    /// <summary>Why the last attempt did not finish: Meta's status and code, for an operator.</summary>
    public string? LastFailure { get; set; }

    /// <summary>Page-scoped IDs found on the Pages served here.</summary>
    public int Users { get; set; }

    public int Tokens { get; set; }
    public int Deliveries { get; set; }
    public int Jobs { get; set; }
}

public static class DataDeletionState
{
    public const string Pending = "pending";
    public const string Done = "done";
}
