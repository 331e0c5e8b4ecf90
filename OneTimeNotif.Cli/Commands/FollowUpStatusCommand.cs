using System.CommandLine;
using Spectre.Console;

namespace OneTimeNotif.Cli.Commands;

/// <summary><c>otn followup status JOB</c>: a job's state and outcome counts, from <c>GET /api/followups/{jobId}</c>.</summary>
internal static class FollowUpStatusCommand
{
    public static Command Create(CliContext cli, CommonOptions common)
    {
        var jobId = new Argument<string>("JOB") { Description = "The follow-up job's ID" };
        var status = new Command("status", "Show a follow-up job's state and counts: sent, token rejected, user unavailable, failed, unknown, pending (needs Api__Key)") { jobId };
        status.SetAction(async (result, cancellationToken) =>
        {
            var id = result.GetRequiredValue(jobId);
            using var service = new ServiceClient(cli, cli.Settings.ServiceUrl(result.GetValue(common.Url)));
            var found = await service.GetFollowUpStatusAsync(id, cancellationToken).ConfigureAwait(false)
                ?? throw new CommandException($"The service at {service.BaseUrl} knows no follow-up job '{id}'.");
            cli.Out.WriteLine(FollowUpProgress.Describe(found));
            return ExitCodes.Ok;
        });
        return status;
    }
}
