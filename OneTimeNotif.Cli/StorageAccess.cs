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
    private readonly bool _usesConnectionString;

    private StorageAccess(ServiceProvider services, bool usesConnectionString)
    {
        _services = services;
        _usesConnectionString = usesConnectionString;
    }

    /// <summary>The token store; the storage client is made here, so a malformed setting fails here.</summary>
    public TokenStore Tokens
    {
        get
        {
            try
            {
                return _services.GetRequiredService<TokenStore>();
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
            {
                // The SDK quotes the part of a connection string it could not read, which may be the account key.
                throw new CommandException(_usesConnectionString
                    ? "OtnStorage is not a valid storage connection string (DefaultEndpointsProtocol=...;AccountName=...;AccountKey=...;TableEndpoint=...)."
                    : $"OtnStorage does not make a storage client: {ErrorLine.FirstLine(e.Message)}", e);
            }
        }
    }

    /// <summary>Meta's interval between two messages with one recurring token, as the hosts are configured (<c>Recurring__TokenInterval</c>).</summary>
    public TimeSpan RecurringInterval => _services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RecurringOptions>>().Value.TokenInterval;

    /// <summary>How long the purge keeps a recurring token its user stopped, as the hosts are configured (<c>Purge__StoppedTokenRetention</c>).</summary>
    public TimeSpan StoppedTokenRetention => _services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Purge.PurgeOptions>>().Value.StoppedTokenRetention;

    public static StorageAccess Open(CliContext cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        if (!cli.Settings.HasStorage)
        {
            throw new CommandException(
                "OtnStorage is not set (the storage connection string, or OtnStorage__tableServiceUri for an identity-based connection); scripts/local-settings.sh exports the local value.");
        }
        var services = new ServiceCollection().AddLogging().AddOneTimeNotif(cli.Configuration);
        return new StorageAccess(services.BuildServiceProvider(), !string.IsNullOrWhiteSpace(cli.Configuration[Storage.StorageOptions.SectionName]));
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
