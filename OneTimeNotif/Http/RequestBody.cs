using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace OneTimeNotif.Http;

/// <summary>Reads a request body whole, up to a limit, because the signature covers the exact bytes.</summary>
internal static class RequestBody
{
    private const int FirstBufferBytes = 16 * 1024;

    /// <summary>
    /// Reads the body into a pooled buffer that grows as bytes arrive (never beyond twice what has arrived), so a
    /// declared <c>Content-Length</c> costs nothing until the bytes are really sent: anonymous senders that declare
    /// 1 MiB and then trickle cannot make the host hold 1 MiB each.
    /// </summary>
    /// <param name="timeout">How long the whole body may take; past it the read ends with 408.</param>
    /// <returns>The body, or null when it is larger than <paramref name="maxBytes"/>.</returns>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } limit)
        {
            deadline.CancelAfter(limit);
        }
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(FirstBufferBytes, maxBytes + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    buffer = Grow(buffer, length, maxBytes);
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), deadline.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return buffer.AsSpan(0, length).ToArray();
                }
                length += read;
                // Chunked bodies carry no Content-Length, and a declared one may lie: the limit holds while reading.
                if (length > maxBytes)
                {
                    return null;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new BadHttpRequestException($"The request body did not arrive within {timeout}.", StatusCodes.Status408RequestTimeout);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Twice the size, but never more than the limit needs (one byte over it is enough to refuse).</summary>
    private static byte[] Grow(byte[] buffer, int length, int maxBytes)
    {
        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes + 1L));
        buffer.AsSpan(0, length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }
}
