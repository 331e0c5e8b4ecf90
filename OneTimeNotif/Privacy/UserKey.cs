using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;

namespace OneTimeNotif.Privacy;

/// <summary>
/// A keyed hash of (Page, PSID): what the per-user index and the erasure markers are keyed by, so that neither holds a
/// PSID, and a stolen table cannot be joined to PSIDs without the deployment's secret (an unkeyed hash of a
/// ten-digit number is reversed by trying them all).
/// </summary>
public sealed class UserKey(IOptions<PrivacyOptions> privacy, IOptions<MessengerOptions> messenger)
{
    private readonly Lazy<byte[]> _key = new(() => privacy.Value.UserKey is { Length: > 0 } key
        ? Encoding.UTF8.GetBytes(key)
        : HMACSHA256.HashData(Encoding.UTF8.GetBytes(messenger.Value.AppSecret), "OneTimeNotif user key"u8));

    /// <summary>128 bits of HMAC-SHA256, hex: a Table Storage key part.</summary>
    public string Of(string pageId, string psid)
    {
        ArgumentException.ThrowIfNullOrEmpty(pageId);
        ArgumentException.ThrowIfNullOrEmpty(psid);
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key.Value, Encoding.UTF8.GetBytes($"{pageId}:{psid}")).AsSpan(0, 16));
    }
}
