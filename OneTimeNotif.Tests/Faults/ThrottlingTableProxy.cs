using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OneTimeNotif.Tests.Faults;

/// <summary>
/// A reverse proxy in front of Azurite's table service that answers as a busy Table Storage partition does
/// (503 with <c>x-ms-error-code: ServerBusy</c>) while <see cref="Busy"/> says so, for requests that
/// <see cref="Applies"/> picks. Everything else reaches Azurite unchanged, so the host runs its real SDK pipeline
/// (retries included) against real storage. Shared-key signatures do not cover the host name, so they stay valid.
/// </summary>
public sealed class ThrottlingTableProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _azurite;
    private int _refused;
    private volatile bool _busy;

    private ThrottlingTableProxy(WebApplication app, Uri azurite)
    {
        _app = app;
        _azurite = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = azurite };
    }

    /// <summary>While true, picked requests are answered 503 ServerBusy.</summary>
    public bool Busy
    {
        get => _busy;
        set => _busy = value;
    }

    /// <summary>Which requests a busy period refuses; by default every one.</summary>
    public Func<HttpRequest, bool> Applies { get; set; } = _ => true;

    /// <summary>How many requests were refused.</summary>
    public int Refused => Volatile.Read(ref _refused);

    public int Port => new Uri(_app.Urls.First()).Port;

    public static async Task<ThrottlingTableProxy> StartAsync(int azuriteTablePort)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var proxy = new ThrottlingTableProxy(app, new Uri($"http://127.0.0.1:{azuriteTablePort}"));
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        return proxy;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (Busy && Applies(context.Request))
        {
            Interlocked.Increment(ref _refused);
            context.Response.StatusCode = (int)HttpStatusCode.ServiceUnavailable;
            context.Response.Headers["x-ms-error-code"] = "ServerBusy";
            context.Response.ContentType = "application/json;odata=minimalmetadata";
            await context.Response.WriteAsync(
                "{\"odata.error\":{\"code\":\"ServerBusy\",\"message\":{\"lang\":\"en-US\",\"value\":\"The server is busy.\"}}}",
                context.RequestAborted);
            return;
        }
        await ForwardAsync(context);
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), request.Path + request.QueryString);
        var body = new MemoryStream();
        await request.Body.CopyToAsync(body, context.RequestAborted);
        if (body.Length > 0 || request.ContentLength is not null)
        {
            forward.Content = new ByteArrayContent(body.ToArray());
        }
        foreach (var (name, values) in request.Headers)
        {
            if (string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (!forward.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values) && forward.Content is not null)
            {
                forward.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var answer = await _azurite.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
        {
            if (!string.Equals(name, "Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }
        await answer.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _azurite.Dispose();
    }
}
