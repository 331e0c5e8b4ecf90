namespace OneTimeNotif.Purge;

/// <summary>
/// What the purge keeps, bound from the <c>Purge</c> section. When it runs is the host's business: the app setting
/// <see cref="ScheduleSetting"/>, read by the Functions timer as <c>%PurgeSchedule%</c> and by the standalone host.
/// </summary>
public sealed class PurgeOptions
{
    public const string SectionName = "Purge";

    /// <summary>The app setting holding the purge's NCRONTAB schedule: six fields, seconds first, UTC.</summary>
    public const string ScheduleSetting = "PurgeSchedule";

    /// <summary>
    /// Every hour, on the hour: a run with nothing due costs one empty query, and a viral day's expiries, more than
    /// one run's <see cref="TimeBudget"/> can delete, are finished by the runs that follow within hours.
    /// </summary>
    public const string DefaultSchedule = "0 0 * * * *";

    public static readonly TimeSpan MinTimeBudget = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxTimeBudget = TimeSpan.FromHours(1);

    public static readonly TimeSpan MinDeliveryRetention = TimeSpan.FromDays(1);
    public static readonly TimeSpan MaxDeliveryRetention = TimeSpan.FromDays(3660);

    /// <summary>
    /// How long a follow-up job, its segments and its delivery records are kept after the job was recorded. A job
    /// ID stays an idempotency key for this long: submitted again later, it is a new job.
    /// </summary>
    public TimeSpan DeliveryRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// How long a recurring token the user stopped is kept: they may resume it, and a resume of a deleted token
    /// could not be honoured. Past this, the token is deleted.
    /// </summary>
    public TimeSpan StoppedTokenRetention { get; set; } = TimeSpan.FromDays(365);

    public static readonly TimeSpan MinStoppedTokenRetention = TimeSpan.FromDays(1);
    public static readonly TimeSpan MaxStoppedTokenRetention = TimeSpan.FromDays(3660);

    /// <summary>
    /// How long one run may work before it stops itself, leaving the rest to the next run. Four minutes sits well
    /// inside Azure Functions' <c>functionTimeout</c> (5 minutes by default on the Consumption plan, 10 at most), which
    /// would otherwise end the run wherever it was.
    /// </summary>
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromMinutes(4);
}
