using System.CommandLine;
using InsightPulse.Bench;
using InsightPulse.Cli.Commands;
using InsightPulse.Core;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.Bi;
using InsightPulse.Web.Verification;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InsightPulse.Cli;

/// <summary>
/// The <c>ipai</c> command line. Exit codes: 0 success, 1 failure, 2 usage. Errors are one or two lines that
/// say what is wrong and what to do; a stack trace only with <c>--verbose</c>.
/// </summary>
public static partial class CliApp
{
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
                new(PlatformEnvironment.PooledUrlVariable, Environment.GetEnvironmentVariable(PlatformEnvironment.PooledUrlVariable)),
                new(PlatformEnvironment.DirectUrlVariable, Environment.GetEnvironmentVariable(PlatformEnvironment.DirectUrlVariable)),
                new("ODOO_ADMIN_PASSWORD", Environment.GetEnvironmentVariable("ODOO_ADMIN_PASSWORD")),
            ])
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var services = new ServiceCollection().AddInsightPulseCore(configuration).AddInsightPulseBench();
        services.AddLogging(logging => logging.AddProvider(new StandardErrorLogger(error)));
        // The HTTP acceptance gates of `verify`, against whichever web host answers.
        services.AddSingleton<BiServiceAccounts>().AddSingleton(new TenantHostOptions()).AddSingleton<SiteGates>().AddSingleton<FleetVerifier>();
        await using var provider = services.BuildServiceProvider();
        var context = new CliContext(provider, output, error, terminal) { Verbose = args.Contains("--verbose") || args.Contains("-v") };

        // psql takes psql's own options after the database: they are passed through untouched.
        if (args is ["psql", .. var psqlArgs] && !(psqlArgs is ["--help"] or ["-?"]))
        {
            return await context.GuardAsync(() => PlatformCommands.PsqlAsync(provider.GetRequiredService<PlatformDatabases>(), context, psqlArgs, cancellationToken), cancellationToken);
        }

        var root = new RootCommand("InsightPulse Platform: multi-tenant registry, provisioning and isolation on PostgreSQL.");
        root.Options.Add(Verbose);
        PlatformCommands.Add(root, context);
        var tenant = TenantCommands.Add(root, context);
        ProvisionCommands.Add(root, tenant, context);
        VerifyCommands.Add(root, tenant, context);
        ArchiveCommands.Add(tenant, context);
        TenantStateCommands.Add(tenant, context);
        ServerCommands.Add(root, context);
        MoveCommands.Add(tenant, context);
        DatabankCommands.Add(root, context);
        DemoCommands.Add(root, context);
        EventCommands.Add(root, context);
        AuditCommands.Add(root, context);
        BiCommands.Add(root, context);
        BenchCommands.Add(root, context);
        LintCommands.Add(root, context);
        DoctorCommands.Add(root, context);
        ServeCommands.Add(root, context);

        // No response files: an argument starting with '@' is an argument, never a file to read tokens from (and echo back).
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors) await error.WriteLineAsync($"usage error: {Describe(parseError)}");
            await error.WriteLineAsync($"Run `./ipai {string.Join(' ', CommandPath(parse))} --help` for the syntax.");
            return ExitCode.Usage;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken);
    }

    /// <summary>
    /// A parse error in the operator's words: a command's argument is named first (<c>ID: …</c>, <c>CODE: …</c>), and the
    /// parser's .NET type names become what the value must be (<c>'System.Int64'</c>: a whole number).
    /// </summary>
    private static string Describe(System.CommandLine.Parsing.ParseError parseError)
    {
        var message = ExpectedType().Replace(parseError.Message, match => "as " + (match.Groups[1].Value switch
        {
            "Int32" or "Int64" => "a whole number",
            "Boolean" => "true or false",
            "DateOnly" => "a date (yyyy-mm-dd)",
            _ => "a value of another form",
        }));
        return parseError.SymbolResult is System.CommandLine.Parsing.ArgumentResult { Parent: System.CommandLine.Parsing.CommandResult } argument
            ? $"{argument.Argument.Name.ToUpperInvariant()}: {message}"
            : message;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"as expected type 'System\.(\w+)'")]
    private static partial System.Text.RegularExpressions.Regex ExpectedType();

    private static List<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (result.Command is not RootCommand) names.Insert(0, result.Command.Name);
        }
        return names;
    }
}
