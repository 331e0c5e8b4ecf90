namespace OneTimeNotif.SendApi;

/// <summary>
/// Holds a process's calls to Meta back until its first call has come back. A process's first call is slow before
/// it leaves (code compiled on first use, the first connection opened: about 0.2 s measured here), and the calls
/// granted meanwhile would leave together with it: a burst over the Page's rate each time an instance starts. A
/// held call gives up the slot it waited for and takes a fresh one.
/// </summary>
public sealed class SendApiWarmUp
{
    private readonly TaskCompletionSource _firstCallBack = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _firstCallTaken;

    public bool IsWarm => _firstCallBack.Task.IsCompleted;

    /// <summary>
    /// True when the call may leave now: the process is warm, or this is its first call (which must then report
    /// <see cref="CallEnded"/>, whatever its outcome). False: wait with <see cref="WaitAsync"/>, then take a fresh slot.
    /// </summary>
    public bool MayCall() => IsWarm || Interlocked.Exchange(ref _firstCallTaken, 1) == 0;

    public Task WaitAsync(CancellationToken cancellationToken) => _firstCallBack.Task.WaitAsync(cancellationToken);

    /// <summary>A call has come back (answered or failed): whatever the first call needed is in place.</summary>
    public void CallEnded()
    {
        if (!IsWarm)
        {
            _firstCallBack.TrySetResult();
        }
    }
}
