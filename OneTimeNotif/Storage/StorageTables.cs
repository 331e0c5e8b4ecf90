using Azure.Data.Tables;

namespace OneTimeNotif.Storage;

/// <summary>The tables OneTimeNotif owns, created on first use so a fresh storage account needs no set-up step.</summary>
public sealed class StorageTables(TableServiceClient service)
{
    public const string TokensTableName = "OtnTokens";
    public const string ExpiriesTableName = "OtnTokenExpiries";
    public const string JobsTableName = "OtnFollowUpJobs";
    public const string JobDaysTableName = "OtnFollowUpJobDays";
    public const string SendBudgetTableName = "OtnSendBudget";
    public const string UsersTableName = "OtnUsers";
    public const string DataDeletionsTableName = "OtnDataDeletions";
    public const string RecurringDaysTableName = "OtnRecurringTokenDays";

    private volatile bool _created;

    public TableClient Tokens { get; } = service.GetTableClient(TokensTableName);

    /// <summary>Tokens by expiry day, so the purge reads what has expired rather than everything stored.</summary>
    public TableClient Expiries { get; } = service.GetTableClient(ExpiriesTableName);

    /// <summary>Follow-up jobs and the segments their fan-outs were split into.</summary>
    public TableClient Jobs { get; } = service.GetTableClient(JobsTableName);

    /// <summary>Follow-up jobs by the UTC day they were recorded, so the purge finds jobs past retention without a scan.</summary>
    public TableClient JobDays { get; } = service.GetTableClient(JobDaysTableName);

    /// <summary>Each Page's send budget (and the app's pause), shared by every instance.</summary>
    public TableClient SendBudget { get; } = service.GetTableClient(SendBudgetTableName);

    /// <summary>Where each user's data is, and who was erased when, keyed by a keyed hash of the user: erasure reads one partition.</summary>
    public TableClient Users { get; } = service.GetTableClient(UsersTableName);

    /// <summary>Meta's data-deletion requests: confirmation code, times and counts, for the status page.</summary>
    public TableClient DataDeletions { get; } = service.GetTableClient(DataDeletionsTableName);

    /// <summary>Recurring tokens by the day they expire or were stopped, so the purge reads only what may be due.</summary>
    public TableClient RecurringDays { get; } = service.GetTableClient(RecurringDaysTableName);

    public async ValueTask EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (_created)
        {
            return;
        }
        // Creating twice is harmless (CreateIfNotExists), so racing callers need no lock; a failure is not
        // remembered, so the next request tries again once storage is back.
        await Tokens.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await Expiries.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await Jobs.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await JobDays.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await SendBudget.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await Users.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await DataDeletions.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await RecurringDays.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        _created = true;
    }

    /// <summary>
    /// Storage said a table does not exist (deleted by an operator, or a new account): create them again on the next
    /// call instead of failing every request until a restart.
    /// </summary>
    public void ForgetCreated(Azure.RequestFailedException failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (failure.ErrorCode == "TableNotFound")
        {
            _created = false;
        }
    }
}
