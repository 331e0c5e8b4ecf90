using Microsoft.Extensions.Configuration;
using OneTimeNotif.Cli;
using Spectre.Console;

// The hosts' keys, from the environment: Messenger__AppSecret, Api__Key, OtnStorage, Otn__Url...
var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
var console = AnsiConsole.Console;
if (Console.IsOutputRedirected)
{
    // Spectre wraps at 80 columns when it cannot see a terminal; a script reading the output wants whole lines.
    console.Profile.Width = 400;
}
var cli = new CliContext(console, Console.Error, configuration, TimeProvider.System);
return await OtnCli.RunAsync(args, cli, cancel.Token).ConfigureAwait(false);
