namespace OneTimeNotif.Purge;

/// <summary>What one purge run deleted, and what it read to find it.</summary>
/// <param name="At">The instant the run purged up to: tokens expired by then, jobs older than the retention then.</param>
/// <param name="TokensDeleted">Expired tokens deleted by this run (tokens an earlier, cut-off run deleted are not counted again).</param>
/// <param name="JobsDeleted">Follow-up jobs past the retention deleted with their segments and delivery records.</param>
/// <param name="DeliveryRecordsDeleted">Delivery records of those jobs.</param>
/// <param name="EntitiesRead">
/// Every entity the run read: index rows, job rows, and the delivery and segment rows it deleted. The cost of a run;
/// it follows what has expired, not what is stored.
/// </param>
/// <param name="EntitiesDeleted">Every entity deleted, index and segment rows included.</param>
/// <param name="Completed">
/// False when the run stopped at its time budget with work left: the next run carries on where it stopped.
/// </param>
public sealed record PurgeReport(
    DateTimeOffset At,
    int TokensDeleted,
    int JobsDeleted,
    int DeliveryRecordsDeleted,
    int EntitiesRead,
    int EntitiesDeleted,
    bool Completed = true)
{
    /// <summary>Recurring tokens deleted because they had been stopped for longer than <see cref="PurgeOptions.StoppedTokenRetention"/>.</summary>
    public int StoppedTokensDeleted { get; init; }
}

/// <summary>Counts shared by the parallel parts of one run, so a run cut off midway can still say what it did.</summary>
internal sealed class PurgeTally
{
    private int _tokens;
    private int _jobs;
    private int _deliveries;
    private int _read;
    private int _deleted;
    private int _stopped;

    public void Read(int entities) => Interlocked.Add(ref _read, entities);

    public void TokensDeleted(int tokens)
    {
        Interlocked.Add(ref _tokens, tokens);
        Deleted(tokens);
    }

    public void JobDeleted(int deliveries)
    {
        Interlocked.Increment(ref _jobs);
        Interlocked.Add(ref _deliveries, deliveries);
    }

    public void StoppedTokensDeleted(int tokens)
    {
        Interlocked.Add(ref _stopped, tokens);
        Deleted(tokens);
    }

    public void Deleted(int entities) => Interlocked.Add(ref _deleted, entities);

    public PurgeReport ToReport(DateTimeOffset at) =>
        new(at, Volatile.Read(ref _tokens), Volatile.Read(ref _jobs), Volatile.Read(ref _deliveries), Volatile.Read(ref _read), Volatile.Read(ref _deleted))
        {
            StoppedTokensDeleted = Volatile.Read(ref _stopped),
        };
}
