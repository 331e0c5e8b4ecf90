using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;

namespace OneTimeNotif.Webhook;

/// <summary>Checks Meta's <c>X-Hub-Signature-256</c>: HMAC-SHA256 of the raw body keyed with the App Secret.</summary>
public sealed class WebhookSignature(IOptions<MessengerOptions> options)
{
    public const string HeaderName = "X-Hub-Signature-256";
    private const string Prefix = "sha256=";

    private readonly byte[] _key = Encoding.UTF8.GetBytes(options.Value.AppSecret);

    /// <summary>
    /// Hashes the bytes as received: Meta signs what it sends (non-ASCII escaped as \uXXXX), so re-serialized
    /// JSON would not match. The comparison takes the same time wherever the first wrong byte is.
    /// </summary>
    public SignatureCheck Check(ReadOnlySpan<byte> body, string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return SignatureCheck.Missing;
        }
        Span<byte> claimed = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (!header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
            || Convert.FromHexString(header.AsSpan(Prefix.Length), claimed, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != claimed.Length)
        {
            return SignatureCheck.Invalid;
        }
        Span<byte> actual = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, body, actual);
        return CryptographicOperations.FixedTimeEquals(actual, claimed) ? SignatureCheck.Valid : SignatureCheck.Invalid;
    }

    /// <summary>The header value Meta would send for <paramref name="body"/>; for simulators and tests.</summary>
    public static string Sign(ReadOnlySpan<byte> body, string appSecret) =>
        Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body));
}

public enum SignatureCheck
{
    Valid,
    Missing,
    Invalid,
}
