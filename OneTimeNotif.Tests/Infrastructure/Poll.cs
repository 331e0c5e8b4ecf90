namespace OneTimeNotif.Tests.Infrastructure;

/// <summary>
/// The suite's one way to wait for what a host does in the background: check often, give up after a timeout with
/// a message that says what was awaited and what was seen. Tests never sleep and hope.
/// </summary>
public static class Poll
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>Reads until <paramref name="done"/> holds for what was read, and returns that.</summary>
    /// <param name="describe">What the failure message says about the last value read (and anything else useful).</param>
    /// <param name="interval">How long between reads; 50 ms unless the condition itself is about time passing.</param>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null, Func<T, string>? describe = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(done);
        var limit = timeout ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Still waiting after {limit.TotalSeconds:0.#} s. Last seen: {(describe is null ? value?.ToString() : describe(value))}");
            }
            await Task.Delay(interval ?? Interval);
        }
    }

    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, Func<string>? describe = null) =>
        UntilAsync(condition, held => held, timeout, _ => describe?.Invoke() ?? "the condition was false");

    public static Task UntilAsync(Func<bool> condition, TimeSpan? timeout = null, Func<string>? describe = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, describe);

    /// <summary>
    /// Checks that <paramref name="condition"/> keeps holding for all of <paramref name="period"/>: how a test shows
    /// that something does NOT happen (a second delivery, a retry) within the time it would take to happen.
    /// </summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan period, Func<string>? describe = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var end = DateTime.UtcNow + period;
        do
        {
            if (!await condition())
            {
                Assert.Fail($"The condition stopped holding before {period.TotalSeconds:0.#} s were up. {describe?.Invoke()}");
            }
            await Task.Delay(Interval);
        }
        while (DateTime.UtcNow < end);
    }

    public static Task HoldsAsync(Func<bool> condition, TimeSpan period, Func<string>? describe = null) =>
        HoldsAsync(() => Task.FromResult(condition()), period, describe);
}
