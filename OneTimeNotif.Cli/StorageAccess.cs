using Microsoft.Extensions.DependencyInjection;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Cli;

/// <summary>
/// Reads storage with the library's own registration, so <c>OtnStorage</c> means here exactly what it means to the
/// hosts: a connection string, or identity-based service URIs.
/// </summary>
internal sealed class StorageAccess : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private StorageAccess(ServiceProvider services) => _services = services;

    public TokenStore Tokens => _services.GetRequiredService<TokenStore>();

    public static StorageAccess Open(CliContext cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        if (!cli.Settings.HasStorage)
        {
            throw new CommandException(
                "OtnStorage is not set (the storage connection string, or OtnStorage__tableServiceUri for an identity-based connection); scripts/local-settings.sh exports the local value.");
        }
        var services = new ServiceCollection().AddLogging().AddOneTimeNotif(cli.Configuration);
        return new StorageAccess(services.BuildServiceProvider());
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
