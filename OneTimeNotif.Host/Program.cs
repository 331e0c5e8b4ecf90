using OneTimeNotif;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Host;
using OneTimeNotif.Host.Security;
using OneTimeNotif.Webhook;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddHostJson();
// "Request starting" lines carry the full URL, and Meta's handshake puts the verify token in the query string.
// This filter is more specific than any configured level for Microsoft.AspNetCore, so it holds at Trace too.
builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
builder.Services.AddProblemDetails();
builder.Services.AddOneTimeNotif(builder.Configuration);
builder.Services.AddStandaloneHost(builder.Configuration);

var app = builder.Build();
// Meta cannot send a key: the webhook is anonymous and guarded by its signature. Everything else needs the key.
app.MapWebhook();
app.MapFollowUps().AddEndpointFilter<ApiKeyFilter>();
app.Run();

// Lets the integration tests start this exact host with WebApplicationFactory<Program>.
public partial class Program;
