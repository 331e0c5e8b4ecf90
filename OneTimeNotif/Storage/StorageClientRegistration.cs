using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
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

        services.AddAzureClients(clients =>
        {
            clients.AddClient<TableServiceClient, TableClientOptions>((options, provider) =>
                CreateTableServiceClient(provider.GetRequiredService<IOptions<StorageOptions>>().Value, options));
            clients.AddClient<QueueServiceClient, QueueClientOptions>((options, provider) =>
                CreateQueueServiceClient(provider.GetRequiredService<IOptions<StorageOptions>>().Value, options));
            clients.AddClient<BlobServiceClient, BlobClientOptions>((options, provider) =>
                CreateBlobServiceClient(provider.GetRequiredService<IOptions<StorageOptions>>().Value, options));
            clients.ConfigureDefaults(ConfigureRetries);
        });
        services.AddSingleton<StorageTables>();
        services.AddHostedService<StorageWarmUp>();
        return services;
    }

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

    /// <summary>
    /// The webhook must answer Meta within 20 seconds, so a storage outage has to surface as a 5xx (which Meta
    /// retries) long before that, instead of hanging in the SDK's default 100-second network timeout.
    /// </summary>
    private static void ConfigureRetries(ClientOptions options)
    {
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(5);
    }
}
