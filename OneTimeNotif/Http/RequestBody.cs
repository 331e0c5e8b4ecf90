using Microsoft.AspNetCore.Http;

namespace OneTimeNotif.Http;

/// <summary>Reads a request body whole, up to a limit, because the signature covers the exact bytes.</summary>
internal static class RequestBody
{
    /// <returns>The body, or null when it is larger than <paramref name="maxBytes"/>.</returns>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }
        using var buffer = new MemoryStream(capacity: (int)(request.ContentLength ?? 4096));
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            // Chunked bodies carry no Content-Length, so the limit is also enforced while reading.
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
