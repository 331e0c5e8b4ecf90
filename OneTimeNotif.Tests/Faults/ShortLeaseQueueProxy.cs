using Azure.Storage;
using Azure.Storage.Sas;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace OneTimeNotif.Tests.Faults;

/// <summary>
/// Stands between one host and Azurite's queue service and shortens the invisibility the host asks for when it
/// receives messages. The WebJobs queue listener keeps a message it is processing invisible for 10 minutes (renewed
/// while it runs), so a killed host's messages come back after 10 minutes; this stands in for that wait.
/// </summary>
/// <remarks>
/// The receive's <c>visibilitytimeout</c> is part of what a Shared Key signs, so a host behind the proxy signs with an
/// account SAS instead (<see cref="ConnectionString"/>), which leaves other query parameters unsigned.
/// </remarks>
internal sealed class ShortLeaseQueueProxy : IAsyncDisposable
{
    private static readonly HttpClient Forwarder = new();
    private readonly WebApplication _app;

    private ShortLeaseQueueProxy(WebApplication app, string connectionString)
    {
        _app = app;
        ConnectionString = connectionString;
    }

    /// <summary>Azurite's blobs and tables directly, its queues through the proxy, all signed with an account SAS.</summary>
    public string ConnectionString { get; }

    public static async Task<ShortLeaseQueueProxy> StartAsync(Azurite azurite, TimeSpan lease)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var queueService = new Uri($"http://127.0.0.1:{azurite.QueuePort}");
        app.Run(context => ForwardAsync(context, queueService, lease));
        await app.StartAsync();

        var sas = new AccountSasBuilder(AccountSasPermissions.All, DateTimeOffset.UtcNow.AddHours(1), AccountSasServices.All, AccountSasResourceTypes.All)
            .ToSasQueryParameters(new StorageSharedKeyCredential(Azurite.AccountName, Azurite.AccountKey));
        var connectionString =
            $"BlobEndpoint=http://127.0.0.1:{azurite.BlobPort}/{Azurite.AccountName};" +
            $"QueueEndpoint={app.Urls.First()}/{Azurite.AccountName};" +
            $"TableEndpoint=http://127.0.0.1:{azurite.TablePort}/{Azurite.AccountName};" +
            $"SharedAccessSignature={sas}";
        return new ShortLeaseQueueProxy(app, connectionString);
    }

    private static async Task ForwardAsync(HttpContext context, Uri queueService, TimeSpan lease)
    {
        var incoming = context.Request;
        var query = QueryHelpers.ParseQuery(incoming.QueryString.Value);
        if (HttpMethods.IsGet(incoming.Method) && incoming.Path.Value!.EndsWith("/messages", StringComparison.Ordinal) && query.ContainsKey("visibilitytimeout"))
        {
            query["visibilitytimeout"] = new StringValues(((int)lease.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        using var request = new HttpRequestMessage(new HttpMethod(incoming.Method), new Uri(queueService, incoming.Path + QueryString.Create(query).ToUriComponent()));
        if (!HttpMethods.IsGet(incoming.Method) && !HttpMethods.IsHead(incoming.Method) && !HttpMethods.IsDelete(incoming.Method))
        {
            request.Content = new StreamContent(incoming.Body);
        }
        foreach (var (name, values) in incoming.Headers)
        {
            if (name != "Host" && !request.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }
        using var response = await Forwarder.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (name != "Transfer-Encoding")
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
