using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using OneTimeNotif.Tokens;
using OneTimeNotif.Webhook;

namespace OneTimeNotif.Benchmarks.Load;

/// <summary>Posts opt-ins to the host's webhook the way Meta does: its envelope, signed over the raw bytes.</summary>
internal sealed class WebhookSender(HttpClient client, string appSecret)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    /// <returns>The opt-ins stored (all of them: the webhook answers 200 only once every one is durable), or why not.</returns>
    public async Task<Outcome> PostAsync(IReadOnlyList<OptIn> optIns, CancellationToken cancellationToken)
    {
        var body = Envelope(optIns);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/webhook") { Content = content };
        request.Headers.Add(WebhookSignature.HeaderName, WebhookSignature.Sign(body, appSecret));
        using var response = await client.SendAsync(request, cancellationToken);
        return response.IsSuccessStatusCode ? Outcome.Done(optIns.Count) : Outcome.Failed($"HTTP {(int)response.StatusCode}");
    }

    /// <summary>One entry per Page with a messaging_optins event per opt-in, as Meta batches them.</summary>
    public static byte[] Envelope(IReadOnlyList<OptIn> optIns)
    {
        ArgumentNullException.ThrowIfNull(optIns);
        var buffer = new ArrayBufferWriter<byte>(256 + (optIns.Count * 320));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("object", "page");
            json.WriteStartArray("entry");
            foreach (var page in optIns.GroupBy(o => o.PageId))
            {
                json.WriteStartObject();
                json.WriteString("id", page.Key);
                json.WriteNumber("time", page.Max(o => o.OptedInAt).ToUnixTimeMilliseconds());
                json.WriteStartArray("messaging");
                foreach (var optIn in page)
                {
                    WriteOptIn(json, optIn);
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteOptIn(Utf8JsonWriter json, OptIn optIn)
    {
        json.WriteStartObject();
        json.WriteStartObject("sender");
        json.WriteString("id", optIn.Psid);
        json.WriteEndObject();
        json.WriteStartObject("recipient");
        json.WriteString("id", optIn.PageId);
        json.WriteEndObject();
        json.WriteNumber("timestamp", optIn.OptedInAt.ToUnixTimeMilliseconds());
        json.WriteStartObject("optin");
        json.WriteString("type", WebhookEnvelope.OneTimeNotifOptInType);
        json.WriteString("payload", optIn.Payload);
        json.WriteString("one_time_notif_token", optIn.Token);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
