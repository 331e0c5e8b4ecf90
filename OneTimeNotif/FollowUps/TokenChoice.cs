using OneTimeNotif.Tokens;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// Which of a user's tokens on a topic a follow-up uses. An OTN token first: it is single-use and expires, so using it
/// keeps the recurring token for later. Else a recurring token that is not cooling down (sent within Meta's
/// interval). Within a kind, the one that expires first.
/// </summary>
internal static class TokenChoice
{
    /// <returns>The token to bind, or null when none may be sent now.</returns>
    public static TokenEntity? Pick(IEnumerable<TokenEntity> tokens, DateTimeOffset now, TimeSpan interval) =>
        tokens
            .Where(t => t.IsAvailableAt(now) && !t.IsCoolingDownAt(now, interval))
            .OrderBy(t => t.IsRecurring)
            .ThenBy(t => t.ExpiresAt)
            .FirstOrDefault();

    /// <summary>
    /// When a user with no token to send now has one again: the earliest instant one of their recurring tokens cools
    /// down (a token another job has just bound counts, since binding marks it sent). Null when no token will.
    /// </summary>
    public static DateTimeOffset? UsableAgainAt(IEnumerable<TokenEntity> tokens, DateTimeOffset now, TimeSpan interval)
    {
        var cooling = tokens.Where(t => t.IsCoolingDownAt(now, interval)).Select(t => t.LastSent!.Value + interval).ToList();
        return cooling.Count == 0 ? null : cooling.Min();
    }
}
