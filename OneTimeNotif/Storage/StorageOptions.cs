namespace OneTimeNotif.Storage;

/// <summary>
/// The <c>OtnStorage</c> connection, in the two forms the Azure Functions storage extensions accept: a connection
/// string as the section's own value, or identity-based service URIs
/// (<c>OtnStorage__tableServiceUri</c>, <c>OtnStorage__queueServiceUri</c>, <c>OtnStorage__blobServiceUri</c>,
/// <c>OtnStorage__credential</c>, <c>OtnStorage__clientId</c>).
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "OtnStorage";

    public string? ConnectionString { get; set; }
    public Uri? TableServiceUri { get; set; }
    public Uri? QueueServiceUri { get; set; }

    /// <summary>Only the standalone host needs blobs (the purge lease); the Functions host keeps its own in AzureWebJobsStorage.</summary>
    public Uri? BlobServiceUri { get; set; }

    /// <summary><c>managedidentity</c> for a managed identity (with <see cref="ClientId"/> for a user-assigned one).</summary>
    public string? Credential { get; set; }
    public string? ClientId { get; set; }

    public bool UsesConnectionString => !string.IsNullOrWhiteSpace(ConnectionString);
}
