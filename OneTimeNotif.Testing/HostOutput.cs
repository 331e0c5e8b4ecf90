namespace OneTimeNotif.Testing;

/// <summary>
/// What a child process writes, line by line: a count of every line, the last ones kept (a host that logs for
/// hours must not fill the memory of the process watching it), and callers waiting for a line that matches.
/// </summary>
internal sealed class HostOutput(int keptLines)
{
    private readonly Lock _lock = new();
    private readonly Queue<string> _recent = new();
    private readonly List<OutputWaiter> _waiters = [];
    private int _lines;

    public int Lines
    {
        get
        {
            lock (_lock)
            {
                return _lines;
            }
        }
    }

    public IReadOnlyList<string> Recent
    {
        get
        {
            lock (_lock)
            {
                return [.. _recent];
            }
        }
    }

    /// <summary>Every line as it comes, for a watcher that counts events over a long run rather than keeping lines.</summary>
    public event Action<string>? LineAdded;

    public void Add(string? line)
    {
        if (line is null)
        {
            return;
        }
        LineAdded?.Invoke(line);
        lock (_lock)
        {
            _lines++;
            _recent.Enqueue(line);
            if (_recent.Count > keptLines)
            {
                _recent.Dequeue();
            }
            _waiters.RemoveAll(w => w.Offer(line));
        }
    }

    /// <summary>The first line that matches, among the lines kept and those still to come.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> match, CancellationToken cancellationToken)
    {
        var waiter = new OutputWaiter(match);
        lock (_lock)
        {
            // The line may have come before anyone asked, such as an event logged while the process started.
            if (!_recent.Any(waiter.Offer))
            {
                _waiters.Add(waiter);
            }
        }
        await using var registration = cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                _waiters.Remove(waiter);
            }
            waiter.Cancel(cancellationToken);
        }).ConfigureAwait(false);
        return await waiter.Found.ConfigureAwait(false);
    }

    private sealed class OutputWaiter(Func<string, bool> match)
    {
        // Asynchronous continuations: the caller must not go on running under the output's lock.
        private readonly TaskCompletionSource<string> _found = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> Found => _found.Task;

        /// <returns>Whether this waiter is done with (the line matched, or the match itself failed).</returns>
        public bool Offer(string line)
        {
            try
            {
                if (!match(line))
                {
                    return false;
                }
                _found.TrySetResult(line);
            }
            catch (Exception e)
            {
                // A match that throws (a line it cannot read) fails the wait with that exception, not the output reader.
                _found.TrySetException(e);
            }
            return true;
        }

        public void Cancel(CancellationToken cancellationToken) => _found.TrySetCanceled(cancellationToken);
    }
}
