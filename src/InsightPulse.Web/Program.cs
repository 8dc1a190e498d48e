using InsightPulse.Web;

// The web runtime on its own (`dotnet run --project src/InsightPulse.Web`); `./ipai serve` and `make up` host the same app.
var builder = WebApplication.CreateBuilder(args);
builder.AddInsightPulseWeb();
var app = builder.Build();
app.UseInsightPulseWeb();
await app.RunAsync();
