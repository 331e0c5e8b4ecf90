using System.Security.Cryptography;
using System.Text;

namespace OneTimeNotif.Tokens;

/// <summary>
/// Table Storage keys for tokens. Partition = Page + topic, so a fan-out is one partition range; rows start with
/// the PSID, so one user's tokens are a prefix range. Payloads and tokens are hashed because key characters are
/// restricted and keys are limited to 1 KiB; the raw values live in properties.
/// </summary>
public static class TokenKeys
{
    private const string TokenRowPrefix = "t_";

    public static string Partition(string pageId, string payload) => $"{PagePartitionPrefix(pageId)}{Hash(payload)}";

    /// <summary>Every topic partition of one Page starts with this (Page IDs are decimal, so no Page's prefix is another's).</summary>
    public static string PagePartitionPrefix(string pageId) => $"{pageId}_";

    public static string Row(string psid, string token) => $"{UserRowPrefix(psid)}{Hash(token)}";

    /// <summary>Every token row of one user inside a topic partition starts with this.</summary>
    public static string UserRowPrefix(string psid) => $"{TokenRowPrefix}{psid}_";

    /// <summary>Every token row starts with this; other row kinds in the partition use other prefixes.</summary>
    public static string AllTokensRowPrefix => TokenRowPrefix;

    /// <summary>128 bits of SHA-256: collisions are out of reach and the key stays short.</summary>
    public static string Hash(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)).AsSpan(0, 16));
}
