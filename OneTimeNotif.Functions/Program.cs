using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OneTimeNotif;
using OneTimeNotif.Http;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// The Functions host applies host.json's log levels to its own logs only. Reading the same file first (so app
// settings still override it) gives the worker's logs the same levels, which keep request URLs and bodies out.
builder.Configuration.Sources.Insert(0, new JsonConfigurationSource
{
    Path = "host.json",
    Optional = true,
    FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
});

// The worker's own Kestrel receives every request the host forwards, URL and all (verify token, ?code= key).
builder.Logging.KeepRequestUrlsOutOfLogs();

// The one registration the standalone host calls too.
builder.Services.AddProblemDetails();
builder.Services.AddOneTimeNotif(builder.Configuration);

// The worker sends its own logs and traces to Application Insights (the host then leaves them alone).
builder.Services
    .AddApplicationInsightsTelemetryWorkerService()
    .ConfigureFunctionsApplicationInsights();
// The Application Insights SDK adds a rule that keeps only warnings; without it the levels above decide.
builder.Services.Configure<LoggerFilterOptions>(options =>
{
    var warningsOnly = options.Rules.FirstOrDefault(rule =>
        rule.ProviderName == "Microsoft.Extensions.Logging.ApplicationInsights.ApplicationInsightsLoggerProvider");
    if (warningsOnly is not null)
    {
        options.Rules.Remove(warningsOnly);
    }
});

await builder.Build().RunAsync().ConfigureAwait(false);
