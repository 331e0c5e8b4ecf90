using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace OneTimeNotif.Cli;

/// <summary>
/// What a command reads and writes: settings, the clock, the console. <see cref="Program"/> passes the real ones;
/// tests pass captured writers, their own settings and the test host's clock.
/// </summary>
/// <param name="Http">The handler for calls to the service; null for a new one per run.</param>
internal sealed record CliContext(
    IAnsiConsole Out,
    TextWriter Error,
    IConfiguration Configuration,
    TimeProvider Time,
    HttpMessageHandler? Http = null)
{
    public CliSettings Settings { get; } = new(Configuration);
}
