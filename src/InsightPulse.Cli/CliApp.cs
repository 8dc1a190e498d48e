using System.CommandLine;
using InsightPulse.Cli.Commands;
using InsightPulse.Core;
using InsightPulse.Core.Local;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Platform;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace InsightPulse.Cli;

/// <summary>
/// The <c>ipai</c> command line. Exit codes: 0 success, 1 failure, 2 usage. Errors are one or two lines that
/// say what is wrong and what to do; a stack trace only with <c>--verbose</c>.
/// </summary>
public static class CliApp
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    internal static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Show details (stack traces) of errors.", Recursive = true };

    public static async Task<int> RunAsync(
        string[] args, TextWriter output, TextWriter error, IReadOnlyDictionary<string, string?>? settings = null,
        bool terminal = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables(prefix: "IPAI__")
            .AddInMemoryCollection([
                new("POSTGRES_URL", Environment.GetEnvironmentVariable("POSTGRES_URL")),
                new("ODOO_ADMIN_PASSWORD", Environment.GetEnvironmentVariable("ODOO_ADMIN_PASSWORD")),
            ])
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var services = new ServiceCollection().AddInsightPulseCore(configuration);
        await using var provider = services.BuildServiceProvider();
        var context = new CliContext(output, error, terminal) { Verbose = args.Contains("--verbose") || args.Contains("-v") };

        // psql takes psql's own options after the database: they are passed through untouched.
        if (args is ["psql", .. var psqlArgs] && !(psqlArgs is ["--help"] or ["-?"]))
        {
            return await GuardAsync(context, () => PlatformCommands.PsqlAsync(provider, context, psqlArgs, cancellationToken), cancellationToken);
        }

        var root = new RootCommand("InsightPulse Platform: multi-tenant registry, provisioning and isolation on PostgreSQL.");
        root.Options.Add(Verbose);
        PlatformCommands.Add(root, provider, context);
        var tenant = TenantCommands.Add(root, provider, context);
        ProvisionCommands.Add(root, tenant, provider, context);
        ArchiveCommands.Add(tenant, provider, context);
        DatabankCommands.Add(root, provider, context);
        BenchCommands.Add(root, provider, context);
        LintCommands.Add(root, provider, context);
        ServeCommands.Add(root, provider, context);

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors) await error.WriteLineAsync($"usage error: {parseError.Message}");
            await error.WriteLineAsync($"Run `./ipai {string.Join(' ', CommandPath(parse))} --help` for the syntax.");
            return Usage;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken);
    }

    private static List<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (result.Command is not RootCommand) names.Insert(0, result.Command.Name);
        }
        return names;
    }

    /// <summary>Runs a command's action, turning every failure into exit code 1 and a message for the operator.</summary>
    internal static Func<ParseResult, CancellationToken, Task<int>> Guard(CliContext context, Func<ParseResult, CancellationToken, Task<int>> action) =>
        (parse, cancellationToken) => GuardAsync(context, () => action(parse, cancellationToken), cancellationToken);

    private static async Task<int> GuardAsync(CliContext context, Func<Task<int>> action, CancellationToken cancellationToken)
    {
            try
            {
                return await action();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await context.Error.WriteLineAsync("cancelled.");
                return Failure;
            }
            catch (Exception e)
            {
                var message = e switch
                {
                    TenantNotFoundException or TenantConflictException or TenantValidationException or InvalidTenantStateException
                        or PlatformNotReadyException or LocalClusterException or MigrationChecksumException or MigrationFailedException
                        or FormatException or OptionsValidationException or ProvisioningException or ModuleCatalogException or InsightPulse.Web.Bench.HttpBenchmarkException => e.Message,
                    _ => PostgresErrors.Describe(e),
                };
                if (e is TenantValidationException validation)
                {
                    await context.Error.WriteLineAsync("error: the tenant is not valid:");
                    foreach (var item in validation.Errors) await context.Error.WriteLineAsync($"  {item.Field}: {item.Message}");
                }
                else
                {
                    await context.Error.WriteLineAsync($"error: {message}");
                }
                if (context.Verbose) await context.Error.WriteLineAsync(e.ToString());
                else if (e is not (TenantNotFoundException or TenantConflictException or TenantValidationException))
                {
                    await context.Error.WriteLineAsync("(run again with --verbose for details)");
                }
                return Failure;
            }
    }
}
