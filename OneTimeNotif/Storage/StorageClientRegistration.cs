using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace OneTimeNotif.Storage;

internal static class StorageClientRegistration
{
    /// <summary>One long-lived client per storage service, as the Azure SDK guidelines ask.</summary>
    public static IServiceCollection AddOtnStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().ValidateOnStart();
        services.AddSingleton<IConfigureOptions<StorageOptions>>(new StorageOptionsSetup(configuration));
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();

        // Plain singletons rather than AddAzureClients: its log forwarder switches every Azure SDK event source to
        // Verbose, so each storage call formatted request and response events that were then filtered out. That
        // cost the host about a third of its CPU per stored opt-in. Failures still reach the log through our own
        // events, which carry the exception.
        services.AddSingleton(provider => CreateTableServiceClient(Storage(provider), StorageRetry.Apply(new TableClientOptions())));
        services.AddSingleton(provider => CreateQueueServiceClient(Storage(provider), StorageRetry.Apply(new QueueClientOptions())));
        services.AddSingleton(provider => CreateBlobServiceClient(Storage(provider), StorageRetry.Apply(new BlobClientOptions())));
        services.AddSingleton<StorageTables>();
        services.AddSingleton<TableBatches>();
        services.AddHostedService<StorageWarmUp>();
        return services;
    }

    private static StorageOptions Storage(IServiceProvider provider) => provider.GetRequiredService<IOptions<StorageOptions>>().Value;

    private static TableServiceClient CreateTableServiceClient(StorageOptions storage, TableClientOptions options) =>
        storage.UsesConnectionString
            ? new TableServiceClient(storage.ConnectionString, options)
            : new TableServiceClient(storage.TableServiceUri, CreateCredential(storage), options);

    /// <summary>Jobs are plain UTF-8 JSON on the queue (host.json <c>messageEncoding: none</c>), readable by any producer.</summary>
    private static QueueServiceClient CreateQueueServiceClient(StorageOptions storage, QueueClientOptions options)
    {
        options.MessageEncoding = QueueMessageEncoding.None;
        return storage.UsesConnectionString
            ? new QueueServiceClient(storage.ConnectionString, options)
            : new QueueServiceClient(storage.QueueServiceUri, CreateCredential(storage), options);
    }

    /// <remarks>Created on first use, so a deployment that never asks for blobs needs no blob setting.</remarks>
    private static BlobServiceClient CreateBlobServiceClient(StorageOptions storage, BlobClientOptions options) =>
        storage.UsesConnectionString
            ? new BlobServiceClient(storage.ConnectionString, options)
            : new BlobServiceClient(
                storage.BlobServiceUri ?? throw new InvalidOperationException("OtnStorage__blobServiceUri is required for an identity-based connection that uses blobs."),
                CreateCredential(storage),
                options);

    internal static TokenCredential CreateCredential(StorageOptions storage) =>
        string.Equals(storage.Credential, "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(storage.ClientId is { Length: > 0 } clientId
                ? ManagedIdentityId.FromUserAssignedClientId(clientId)
                : ManagedIdentityId.SystemAssigned)
            : new DefaultAzureCredential();
}
