using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace OneTimeNotif.Tests.Faults;

/// <summary>FsCheck generators of hostile inputs: valid documents broken in the ways wires and bugs break them.</summary>
public static class Mutations
{
    /// <summary>The text unchanged, or truncated, spliced, garbled, retyped, nested or re-encoded.</summary>
    public static Gen<string> Of(string text) => Gen.OneOf(
        Gen.Constant(text),
        Gen.Choose(0, text.Length).Select(n => text[..n]),
        from start in Gen.Choose(0, text.Length)
        from length in Gen.Choose(0, Math.Max(0, text.Length - start))
        select text.Remove(start, length),
        from at in Gen.Choose(0, text.Length)
        from garbage in Garbage
        select text.Insert(at, garbage),
        from value in Gen.Elements("null", "17", "\"\"", "[]", "{}", "true", "-1e999", "\"\\u0000\"")
        from field in Gen.Elements("\"id\":", "\"timestamp\":", "\"optin\":", "\"type\":", "\"payload\":", "\"one_time_notif_token\":", "\"messaging\":", "\"entry\":", "\"sender\":")
        select ReplaceValueAfter(text, field, value),
        Gen.Choose(65, 80).Select(depth => new string('[', depth) + text + new string(']', depth)),
        Gen.Constant(text.Replace("\"page\"", "\"user\"", StringComparison.Ordinal)),
        Gen.Constant(Convert.ToBase64String(Encoding.UTF8.GetBytes(text))));

    /// <summary>Arbitrary JSON documents, including deep and odd ones.</summary>
    public static Gen<string> Json => Gen.Sized(size => JsonValue(Math.Min(size, 6)));

    private static Gen<string> Garbage => Gen.Elements("\"", "}", "]", ",", ":", "\\", "\u0000", "\uFFFD", "é", "😀", "{\"a\":", "null", " ");

    private static Gen<string> JsonValue(int depth)
    {
        var scalar = Gen.OneOf(
            Gen.Elements("null", "true", "false", "0", "-12.5e3", "\"\"", "\"page\"", "\"one_time_notif_req\"", "\"\\u00e9\\ud83d\\ude00\""),
            Gen.Choose(-1000, 1000).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (depth <= 0)
        {
            return scalar;
        }
        var member = from key in Gen.Elements("object", "entry", "messaging", "optin", "type", "sender", "recipient", "id", "x")
                     from value in JsonValue(depth - 1)
                     select $"\"{key}\":{value}";
        return Gen.OneOf(
            scalar,
            Gen.ListOf(JsonValue(depth - 1)).Select(items => $"[{string.Join(",", items)}]"),
            Gen.ListOf(member).Select(members => $"{{{string.Join(",", members)}}}"));
    }

    private static string ReplaceValueAfter(string text, string field, string value)
    {
        var at = text.IndexOf(field, StringComparison.Ordinal);
        if (at < 0)
        {
            return text;
        }
        var start = at + field.Length;
        var end = start;
        var depth = 0;
        var inString = false;
        for (; end < text.Length; end++)
        {
            var c = text[end];
            if (inString)
            {
                if (c == '\\') { end++; }
                else if (c == '"') { inString = false; if (depth == 0) { end++; break; } }
                continue;
            }
            if (c == '"') { inString = true; }
            else if (c is '{' or '[') { depth++; }
            else if (c is '}' or ']') { if (depth == 0) { break; } depth--; if (depth == 0) { end++; break; } }
            else if (c == ',' && depth == 0) { break; }
        }
        return text[..start] + value + text[end..];
    }
}
