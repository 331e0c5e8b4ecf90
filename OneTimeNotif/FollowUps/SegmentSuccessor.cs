namespace OneTimeNotif.FollowUps;

/// <summary>
/// Sends a segment's successor out once <paramref name="after"/> of the segment's users are served, or at the latest
/// when the segment is done with them: once either way.
/// </summary>
internal sealed class SegmentSuccessor(Func<CancellationToken, Task> ensure, int after)
{
    private int _served;
    private int _ensured;

    /// <summary>Called as each user's outcome comes, by the segment's concurrent sends.</summary>
    public Task ServedOneAsync(CancellationToken cancellationToken) =>
        Interlocked.Increment(ref _served) == after ? EnsureAsync(cancellationToken) : Task.CompletedTask;

    public Task EnsureAsync(CancellationToken cancellationToken) =>
        Interlocked.Exchange(ref _ensured, 1) == 0 ? ensure(cancellationToken) : Task.CompletedTask;
}
