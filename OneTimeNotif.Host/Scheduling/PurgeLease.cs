using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace OneTimeNotif.Host.Scheduling;

/// <summary>
/// A held purge lease: renewed at a third of its duration while the run goes on, released when disposed. The blob's
/// metadata records the last occurrence that ran to the end, so an occurrence runs once even when instances wake
/// at slightly different times and one finds the lease already free again.
/// </summary>
public sealed class PurgeLease : IAsyncDisposable
{
    private const string LastOccurrenceKey = "lastoccurrence";

    private readonly BlobClient _blob;
    private readonly BlobLeaseClient _lease;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewal;

    internal PurgeLease(BlobClient blob, BlobLeaseClient lease, TimeProvider time)
    {
        _blob = blob;
        _lease = lease;
        _time = time;
        _renewal = RenewAsync();
    }

    /// <summary>Cancelled when a renewal fails: another instance may hold the lease now, so the run must stop.</summary>
    public CancellationToken Lost => _lost.Token;

    private BlobRequestConditions Held => new() { LeaseId = _lease.LeaseId };

    public async Task<DateTimeOffset?> ReadLastOccurrenceAsync(CancellationToken cancellationToken)
    {
        var properties = await _blob.GetPropertiesAsync(Held, cancellationToken).ConfigureAwait(false);
        return properties.Value.Metadata.TryGetValue(LastOccurrenceKey, out var value)
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var occurrence)
                ? occurrence
                : null;
    }

    public Task RecordOccurrenceAsync(DateTimeOffset occurrence, CancellationToken cancellationToken) =>
        _blob.SetMetadataAsync(
            new Dictionary<string, string> { [LastOccurrenceKey] = occurrence.ToString("O", CultureInfo.InvariantCulture) },
            Held,
            cancellationToken);

    private async Task RenewAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(PurgeLock.LeaseDuration / 3, _time, _stop.Token).ConfigureAwait(false);
                await _lease.RenewAsync(cancellationToken: _stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The run ended.
        }
        catch (Exception e) when (Storage.StorageFailure.IsStorageFault(e))
        {
            // Not renewed: past its expiry another instance may take the lease, so this one stops its run.
            await _lost.CancelAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewal.ConfigureAwait(false);
        try
        {
            await _lease.ReleaseAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (Storage.StorageFailure.IsStorageFault(e))
        {
            // The lease expires by itself within a minute.
        }
        _stop.Dispose();
        _lost.Dispose();
    }
}
