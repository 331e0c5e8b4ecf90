using OneTimeNotif.SendApi;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// The circuit breaker for refusals about the Page rather than its users. A window error (10/2018065...) or a 100
/// without a subcode may mean one user's token is used up, or that the Page cannot send at all; alone they look the
/// same. While no send of a segment has succeeded, such refusals are held instead of spending the tokens; when the
/// first sends are all refused alike and none succeeds, the job stops with Meta's reason and every token involved is
/// released, so one misconfigured job cannot destroy a topic's audience. Once a send succeeds, the held refusals were
/// the users' own and are recorded as they came.
/// </summary>
internal sealed class PageRefusalBreaker
{
    /// <summary>
    /// Sends refused alike, with none succeeding, that stop the job. Fewer say nothing: a job to one or two users whose
    /// tokens are used up is refused the same way, and those tokens are spent as before.
    /// </summary>
    public const int Threshold = 5;

    private readonly Lock _lock = new();
    private readonly List<HeldRefusal> _held = [];
    private volatile bool _anySent;

    /// <summary>No send succeeded yet: refusals that may be about the Page are held.</summary>
    public bool Probation => !_anySent;

    public IReadOnlyList<HeldRefusal> Held
    {
        get
        {
            lock (_lock)
            {
                return [.. _held];
            }
        }
    }

    public void Sent() => _anySent = true;

    /// <returns>True when this refusal trips the breaker: no more users should be started.</returns>
    public bool Hold(HeldRefusal refusal)
    {
        lock (_lock)
        {
            _held.Add(refusal);
            return !_anySent && _held.Count >= Threshold && AllAlike();
        }
    }

    /// <summary>Whether the job stops: none sent, and at least <see cref="Threshold"/> sends refused alike.</summary>
    public bool IsTripped
    {
        get
        {
            lock (_lock)
            {
                return !_anySent && _held.Count >= Threshold && AllAlike();
            }
        }
    }

    public string Reason(string pageId)
    {
        lock (_lock)
        {
            var first = _held[0].Result;
            return $"Page-wide refusal: the first {_held.Count} send(s) of this job on Page {pageId} were all refused with {first.Reason}, and none succeeded. " +
                "Every token involved was released, not spent. Fix the Page's set-up, then submit the job again to resume it.";
        }
    }

    private bool AllAlike()
    {
        var first = _held[0].Result.Error;
        return first is not null && _held.All(h => h.Result.Error is { } e && e.Code == first.Code && e.Subcode == first.Subcode);
    }
}
