using OneTimeNotif;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddProblemDetails();
builder.Services.AddOneTimeNotif(builder.Configuration);

var app = builder.Build();
app.MapOneTimeNotif();
app.Run();

// Lets the integration tests start this exact host with WebApplicationFactory<Program>.
public partial class Program;
