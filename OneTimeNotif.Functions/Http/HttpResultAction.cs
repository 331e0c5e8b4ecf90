using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace OneTimeNotif.Functions.Http;

/// <summary>
/// Runs a minimal-API result (<see cref="IResult"/>) where the Functions worker expects an MVC one. The worker's ASP.NET
/// Core integration executes an <see cref="IActionResult"/> returned by an HTTP function, but hands any other return
/// value back to the host as output data, so the library's typed results would never reach the response
/// (FunctionsHttpProxyingMiddleware in Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore).
/// </summary>
internal sealed class HttpResultAction(IResult result) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return result.ExecuteAsync(context.HttpContext);
    }
}

internal static class HttpResultExtensions
{
    public static IActionResult ToActionResult(this IResult result) => new HttpResultAction(result);
}
