using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OneTimeNotif.Http;

namespace OneTimeNotif.Host.Security;

/// <summary>Guards the service endpoints the way a Function-level key does on Azure: <c>x-functions-key</c> must match.</summary>
public sealed class ApiKeyFilter(IOptions<ApiKeyOptions> options) : IEndpointFilter
{
    private const string HeaderName = FunctionKey.HeaderName;

    // Hashing both sides makes the comparison constant-time whatever the lengths.
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.Key));

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var presented = context.HttpContext.Request.Headers[HeaderName].ToString();
        if (presented.Length == 0 || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _expected))
        {
            return TypedResults.Problem($"Send the API key in the {HeaderName} header.", statusCode: StatusCodes.Status401Unauthorized);
        }
        return await next(context).ConfigureAwait(false);
    }
}
