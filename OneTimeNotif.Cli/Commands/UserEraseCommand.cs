using System.CommandLine;
using Spectre.Console;

namespace OneTimeNotif.Cli.Commands;

/// <summary><c>otn user erase --page P --psid U</c>: erases a user through <c>DELETE /api/users/{pageId}/{psid}</c>.</summary>
internal static class UserEraseCommand
{
    public static Command Create(CliContext cli, CommonOptions common)
    {
        var page = CommonOptions.Page();
        var psid = CommonOptions.Id("--psid", "The user's Page-scoped ID");
        var erase = new Command("erase", "Erase everything stored about a user on a Page: tokens, delivery records, jobs naming the user (needs Api__Key)") { page, psid };
        erase.SetAction(async (result, cancellationToken) =>
        {
            using var service = new ServiceClient(cli, cli.Settings.ServiceUrl(result.GetValue(common.Url)));
            var pageId = result.GetRequiredValue(page);
            var erased = await service.EraseUserAsync(pageId, result.GetRequiredValue(psid), cancellationToken).ConfigureAwait(false);
            cli.Out.WriteLine($"Erased the user on Page {pageId}: {erased.Tokens} token(s), {erased.Deliveries} delivery record(s), {erased.Jobs} job(s).");
            return ExitCodes.Ok;
        });
        return new Command("user", "Users: erase one on request") { erase };
    }
}
