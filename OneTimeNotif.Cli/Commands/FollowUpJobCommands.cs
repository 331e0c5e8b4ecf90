using System.CommandLine;
using OneTimeNotif.FollowUps;
using Spectre.Console;

namespace OneTimeNotif.Cli.Commands;

/// <summary>
/// <c>otn followup status JOB</c> (<c>GET /api/followups/{jobId}</c>) and <c>otn followup cancel JOB</c>
/// (<c>DELETE /api/followups/{jobId}</c>): one call about one job, answered with its state and counts in one line.
/// </summary>
internal static class FollowUpJobCommands
{
    public static Command CreateStatus(CliContext cli, CommonOptions common) => JobCommand(
        cli, common, "status",
        "Show a follow-up job's state and counts: sent, token rejected, user unavailable, failed, unknown, pending (needs Api__Key)",
        (service, id, ct) => service.GetFollowUpStatusAsync(id, ct));

    public static Command CreateCancel(CliContext cli, CommonOptions common) => JobCommand(
        cli, common, "cancel",
        "Cancel a follow-up job: no message starts once this answers, calls under way finish, tokens not used are freed (needs Api__Key)",
        (service, id, ct) => service.CancelFollowUpAsync(id, ct));

    private static Command JobCommand(CliContext cli, CommonOptions common, string name, string description, Func<ServiceClient, string, CancellationToken, Task<FollowUpStatus?>> call)
    {
        var jobId = new Argument<string>("JOB") { Description = "The follow-up job's ID" };
        var command = new Command(name, description) { jobId };
        command.SetAction(async (result, cancellationToken) =>
        {
            var id = result.GetRequiredValue(jobId);
            using var service = new ServiceClient(cli, cli.Settings.ServiceUrl(result.GetValue(common.Url)));
            var found = await call(service, id, cancellationToken).ConfigureAwait(false)
                ?? throw new CommandException($"The service at {service.BaseUrl} knows no follow-up job '{id}'.");
            cli.Out.WriteLine(FollowUpProgress.Describe(found));
            return ExitCodes.Ok;
        });
        return command;
    }
}
