using System.Diagnostics;
using System.Globalization;
using OneTimeNotif.FollowUps;

namespace OneTimeNotif.Cli;

/// <summary>Follows a submitted job until it completes or stops, as a progress bar of the users served.</summary>
internal static class FollowUpProgress
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <param name="waiting">Users with an available token when the job was submitted (the bar's length); null when unknown.</param>
    public static async Task<FollowUpStatus> WaitAsync(CliContext cli, ServiceClient service, string jobId, int? waiting, TimeSpan timeout, CancellationToken cancellationToken)
    {
        FollowUpStatus? status = null;
        var clock = Stopwatch.StartNew();
        await LiveProgress.RunAsync(cli, $"Job {jobId}", waiting, async progress =>
        {
            while (true)
            {
                status = await service.GetFollowUpStatusAsync(jobId, cancellationToken).ConfigureAwait(false)
                    ?? throw new CommandException($"The service knows no follow-up job '{jobId}'.");
                var served = Served(status);
                var finished = IsFinished(status);
                progress.Report(new ProgressState(
                    string.Create(CultureInfo.InvariantCulture, $"Job {jobId}: {status.State.ToName()}, {served}{(waiting is null ? "" : $" of {waiting}")} users served"),
                    served,
                    finished));
                if (finished)
                {
                    return;
                }
                if (clock.Elapsed > timeout)
                {
                    throw new CommandException(
                        $"Job {jobId} is still {status.State.ToName()} after {timeout.TotalSeconds:0} seconds; it goes on: otn followup status {jobId}");
                }
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        return status!;
    }

    public static bool IsFinished(FollowUpStatus status) => status.State.IsSettled();

    private static int Served(FollowUpStatus status) => status.Sent + status.TokenRejected + status.UserUnavailable + status.Failed + status.Unknown;

    /// <summary>One line a person reads and a script can match.</summary>
    public static string Describe(FollowUpStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"Job {status.JobId}: {status.State.ToName()}; sent {status.Sent}, token rejected {status.TokenRejected}, user unavailable {status.UserUnavailable}, failed {status.Failed}, unknown {status.Unknown}, pending {status.Pending}");
        return status.Reason is null ? $"{line}." : $"{line}; reason: {status.Reason}";
    }
}
