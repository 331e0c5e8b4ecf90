using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;

namespace OneTimeNotif.Host.Scheduling;

/// <summary>
/// One purge at a time across instances, the way the Functions host runs a timer: a lease on the blob
/// <c>otn-locks/purge</c>. Whoever holds the lease runs; everyone else skips that occurrence.
/// </summary>
public sealed class PurgeLock(BlobServiceClient blobs, TimeProvider time)
{
    public const string ContainerName = "otn-locks";
    public const string BlobName = "purge";

    /// <summary>The longest finite lease: a host that dies mid-run frees the purge within a minute.</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);

    public BlobClient Blob { get; } = blobs.GetBlobContainerClient(ContainerName).GetBlobClient(BlobName);

    /// <returns>The held lease, or null when another instance holds it.</returns>
    public async Task<PurgeLease?> TryAcquireAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await AcquireAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // A fresh storage account: the lock blob appears on first use.
            await CreateBlobAsync(cancellationToken).ConfigureAwait(false);
            return await AcquireAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<PurgeLease?> AcquireAsync(CancellationToken cancellationToken)
    {
        var lease = Blob.GetBlobLeaseClient();
        try
        {
            await lease.AcquireAsync(LeaseDuration, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return null;
        }
        return new PurgeLease(Blob, lease, time);
    }

    private async Task CreateBlobAsync(CancellationToken cancellationToken)
    {
        await blobs.GetBlobContainerClient(ContainerName).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await Blob.UploadAsync(BinaryData.Empty, overwrite: false, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Another instance created it first; a leased blob answers 412.
        }
    }
}
