using System.CommandLine;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Cli.Commands;

/// <summary>
/// Arguments several commands take, checked while the command line is parsed: a value no tenant could have is a usage
/// error (exit 2, naming the argument) before any service is built or any database asked.
/// </summary>
internal static class CliArguments
{
    /// <summary>
    /// The tenant CODE argument. <paramref name="forCreate"/>: every rule of a new code (a reserved word too); otherwise only
    /// its shape, so that looking up a code no tenant has is "not found" (exit 1), not a usage error.
    /// </summary>
    public static Argument<string> TenantCode(bool forCreate = false, string description = "Tenant code, e.g. tbwa.", ArgumentArity? arity = null)
    {
        var code = new Argument<string>("code") { Description = description };
        if (arity is { } given) code.Arity = given;
        code.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && CodeProblem(result.Tokens[0].Value, forCreate) is { } problem) result.AddError(problem);
        });
        return code;
    }

    /// <summary>An option naming a tenant (<c>--tenant CODE</c>), checked as <see cref="TenantCode"/> checks a lookup.</summary>
    public static Option<string?> TenantOption(string description)
    {
        var tenant = new Option<string?>("--tenant") { Description = description };
        tenant.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && CodeProblem(result.Tokens[0].Value, forCreate: false) is { } problem) result.AddError($"--tenant {problem}");
        });
        return tenant;
    }

    /// <summary>A fleet server's NAME argument: lower-case letters, digits and '_', starting with a letter (as the registry names servers).</summary>
    public static Argument<string> ServerName(string description)
    {
        var name = new Argument<string>("name") { Description = description };
        name.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && ServerProblem(result.Tokens[0].Value) is { } problem) result.AddError(problem);
        });
        return name;
    }

    /// <summary>An option naming a fleet server (<c>--to</c>, <c>--server</c>), checked as <see cref="ServerName"/>.</summary>
    public static T ServerOption<T>(T option) where T : Option
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && result.Tokens[0].Value.Length > 0 && ServerProblem(result.Tokens[0].Value) is { } problem) result.AddError($"{option.Name} {problem}");
        });
        return option;
    }

    private static string? ServerProblem(string value) =>
        Core.Databases.FleetServer.NamePattern().IsMatch(value) ? null
            : $"'{Printable(value)}' is not a server name: lower-case letters, digits and '_', starting with a letter, at most 31 characters.";

    private static string? CodeProblem(string value, bool forCreate) =>
        TenantRules.CodeError(value) is { } problem && (forCreate || !ReservedNames.IsReserved(value)) ? problem : null;

    /// <summary>A value shown back in a message: shortened, with control characters and the like replaced.</summary>
    public static string Printable(string? value) => Sql.Printable(value, 60);
}
