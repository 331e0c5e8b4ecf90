using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker.Grpc.Messages;
using Yarp.ReverseProxy.Forwarder;

namespace OneTimeNotif.Testing.Functions;

/// <summary>
/// The host's HTTP front for the worker's HTTP-triggered functions, as the Functions host serves them to an app
/// built with the ASP.NET Core integration: each route under <c>/api/</c>; a function key checked on routes that are
/// not anonymous; then the original request is forwarded (YARP) to the worker's own Kestrel, the address the worker
/// reported as its <c>HttpUri</c> capability, tagged with the invocation id, while the invocation goes over gRPC with
/// the route values as trigger metadata. The worker pairs the two by that id and answers the forwarded request.
/// </summary>
internal sealed class HttpTriggers(FunctionsWorker worker, Uri workerHttpUri, string functionKey, IHttpForwarder forwarder, Action<string> log) : IDisposable
{
    public const string InvocationIdHeader = "x-ms-invocation-id";
    public const string FunctionKeyHeader = "x-functions-key";
    public const string FunctionKeyQuery = "code";

    private const string RoutePrefix = "api";

    // As the Functions host forwards: the request as it came, no redirects followed, no cookies kept, no proxy.
    private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        ActivityHeadersPropagator = null,
        ConnectTimeout = TimeSpan.FromSeconds(15),
    });

    private readonly byte[] _functionKey = Encoding.UTF8.GetBytes(functionKey);

    public void Map(IEndpointRouteBuilder endpoints, IEnumerable<WorkerFunction> functions)
    {
        foreach (var function in functions.Where(f => f.IsTriggeredBy("httpTrigger")))
        {
            var route = $"{RoutePrefix}/{function.TriggerProperty("route") ?? function.Name}";
            var authLevel = function.TriggerProperty("authLevel") ?? "Function";
            var requiresKey = authLevel.ToUpperInvariant() switch
            {
                "ANONYMOUS" => false,
                "FUNCTION" => true,
                _ => throw new NotSupportedException($"{function.Name}: authLevel {authLevel} needs the host's admin keys, which this test host does not have."),
            };
            RequestDelegate serve = context => ServeAsync(context, function, requiresKey);
            var methods = function.TriggerList("methods").Select(m => m.ToUpperInvariant()).ToList();
            if (methods.Count == 0)
            {
                endpoints.Map(route, serve);
            }
            else
            {
                endpoints.MapMethods(route, methods, serve);
            }
        }
    }

    private async Task ServeAsync(HttpContext context, WorkerFunction function, bool requiresKey)
    {
        if (requiresKey && !HasFunctionKey(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        var invocationId = Guid.NewGuid().ToString();
        context.Request.Headers[InvocationIdHeader] = invocationId;
        var invocation = worker.InvokeAsync(InvocationFor(context, function, invocationId), context.RequestAborted);
        var forwarding = await forwarder.SendAsync(context, workerHttpUri.ToString(), _invoker, ForwarderRequestConfig.Empty, HttpTransformer.Default)
            .ConfigureAwait(false);
        var response = await invocation.ConfigureAwait(false);
        if (forwarding != ForwarderError.None)
        {
            log($"[host] {function.Name} ({invocationId}): forwarding to the worker failed: {forwarding} {context.GetForwarderErrorFeature()?.Exception?.Message}");
        }
        if (response.Result.Status != StatusResult.Types.Status.Success)
        {
            log($"[host] {function.Name} ({invocationId}) {response.Result.Status}: {response.Result.Exception?.Message}");
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }
        }
    }

    private static InvocationRequest InvocationFor(HttpContext context, WorkerFunction function, string invocationId)
    {
        var request = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = function.Id,
            TraceContext = new RpcTraceContext { TraceParent = Activity.Current?.Id ?? string.Empty, TraceState = string.Empty },
        };
        // With the request forwarded, the trigger's own data stays empty: the worker reads the forwarded request.
        request.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = new TypedData { Http = new RpcHttp() } });
        foreach (var (name, value) in context.Request.RouteValues)
        {
            if (value is not null)
            {
                request.TriggerMetadata[name] = new TypedData { String = Convert.ToString(value, CultureInfo.InvariantCulture) };
            }
        }
        return request;
    }

    private bool HasFunctionKey(HttpRequest request)
    {
        var key = request.Headers[FunctionKeyHeader].FirstOrDefault() ?? request.Query[FunctionKeyQuery].FirstOrDefault();
        return key is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(key), _functionKey);
    }

    public void Dispose() => _invoker.Dispose();
}
