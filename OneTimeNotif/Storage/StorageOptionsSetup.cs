using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace OneTimeNotif.Storage;

/// <summary>Reads the section's own value as the connection string, the way the Functions host does.</summary>
internal sealed class StorageOptionsSetup(IConfiguration configuration) : IConfigureOptions<StorageOptions>
{
    public void Configure(StorageOptions options)
    {
        var section = configuration.GetSection(StorageOptions.SectionName);
        section.Bind(options);
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            options.ConnectionString = section.Value;
        }
    }
}

internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options) =>
        options.UsesConnectionString || (options.TableServiceUri is not null && options.QueueServiceUri is not null)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                "OtnStorage is required: a storage connection string, or OtnStorage__tableServiceUri and " +
                "OtnStorage__queueServiceUri for an identity-based connection.");
}
