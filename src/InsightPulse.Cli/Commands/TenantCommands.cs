using System.CommandLine;
using System.Globalization;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Tenants;
using Spectre.Console;

namespace InsightPulse.Cli.Commands;

/// <summary><c>tenant create|list|show|update</c>: the tenant registry (<c>suspend|resume</c>: <see cref="TenantStateCommands"/>).</summary>
internal static class TenantCommands
{
    /// <summary>Adds <c>tenant</c> and its registry subcommands; returns it for other groups to extend.</summary>
    public static Command Add(RootCommand root, CliContext context)
    {
        var tenant = new Command("tenant", "Manage the tenant registry (ipai_tenant).");
        root.Subcommands.Add(tenant);

        var json = new Option<bool>("--json") { Description = "Print JSON (snake_case keys equal to the column names)." };
        var code = CliArguments.TenantCode();

        var newCode = CliArguments.TenantCode(forCreate: true);
        var createFields = new TenantFieldOptions(forCreate: true);
        var create = new Command("create", "Register a new tenant (state draft). Defaults: database odoo_<code>, schema and workspace <code>.") { newCode, json };
        createFields.AddTo(create);
        create.SetAction(context.Run<TenantRegistry>(async (registry, parse, ct) =>
        {
            var created = await context.AuditedAsync(AuditActions.TenantCreated, parse.GetValue(newCode),
                () => registry.CreateAsync(createFields.Apply(parse, Tenant.New(parse.GetValue(newCode)!, parse.GetValue(createFields.Name)!)), ct));
            if (parse.GetValue(json)) await context.Output.WriteLineAsync(CliJson.Serialize(created));
            else
            {
                await context.Error.WriteLineAsync($"Created tenant {created.DisplayName} (id {created.Id}, state draft).");
                WriteDetails(context, created);
            }
            return ExitCode.Success;
        }));
        tenant.Subcommands.Add(create);

        var state = new Option<string>("--state") { Description = "Only tenants in this state (draft, provisioning, active, suspended, archived)." };
        var module = new Option<string>("--module") { Description = "Only tenants that asked for this module beyond the base ones." };
        var server = new Option<string>("--server") { Description = "Only tenants whose database is on this fleet server (`./ipai server list`)." };
        var search = new Option<string>("--search", "-q") { Description = "Only tenants whose code, name, domain, company, database or schema contains this text." };
        var offset = new Option<string>("--offset") { Description = "Skip this many matching tenants (the next page)." };
        var limit = new Option<string>("--limit") { Description = $"At most this many tenants (default {TenantFilter.DefaultLimit}, at most {TenantFilter.MaxLimit})." };
        var list = new Command("list", $"List tenants in sequence order, {TenantFilter.DefaultLimit} at a time: --state, --module, --server, --search filter, --offset pages.") { state, module, server, search, offset, limit, json };
        list.SetAction(context.Run<TenantRegistry, TenantModules>(async (registry, modules, parse, ct) =>
        {
            var (filter, errors) = TenantFilter.Parse(parse.GetValue(state), parse.GetValue(module), parse.GetValue(search), parse.GetValue(offset), parse.GetValue(limit), parse.GetValue(server));
            if (filter is null)
            {
                foreach (var (field, message) in errors) await context.Error.WriteLineAsync($"usage error: --{(field == "q" ? "search" : field)} {message}");
                return ExitCode.Usage;
            }
            var extra = (await modules.ListAllAsync(ct)).ToLookup(m => m.TenantCode, m => m.Module, StringComparer.Ordinal);
            var page = filter.Apply(await registry.ListAsync(ct), t => t, t => extra[t.Code]);
            if (parse.GetValue(json)) await context.Output.WriteLineAsync(CliJson.Serialize(page.Items));
            else WriteList(context, page.Items);
            // The count goes to stderr, so that --json stays a plain array of the page.
            await context.Error.WriteLineAsync(page.Total == 0
                ? "no tenant matches."
                : $"{page.Offset + 1}–{page.Offset + page.Items.Count} of {page.Total} tenant(s)" +
                  (page.NextOffset is { } next ? $"; the next page: --offset {next}" : "."));
            return ExitCode.Success;
        }));
        tenant.Subcommands.Add(list);

        var show = new Command("show", "Show one tenant.") { code, json };
        show.SetAction(context.Run<TenantRegistry>(async (registry, parse, ct) =>
        {
            var found = await registry.GetAsync(parse.GetValue(code)!, ct);
            if (parse.GetValue(json)) await context.Output.WriteLineAsync(CliJson.Serialize(Shown(found)));
            else WriteDetails(context, found);
            return ExitCode.Success;
        }));
        tenant.Subcommands.Add(show);

        var updateFields = new TenantFieldOptions(forCreate: false);
        var update = new Command("update", "Change fields of a tenant: ./ipai tenant update CODE --domain x.example.com --admin-email a@b.ph. An empty value clears an optional field.") { code, json };
        updateFields.AddTo(update);
        update.SetAction(context.Run<TenantRegistry>(async (registry, parse, ct) =>
        {
            if (!updateFields.AnyGiven(parse))
            {
                await context.Error.WriteLineAsync("usage error: give at least one field to change, e.g. --name, --domain, --admin-email (see --help).");
                return ExitCode.Usage;
            }
            var updated = await context.AuditedAsync(AuditActions.TenantUpdated, parse.GetValue(code),
                () => registry.UpdateAsync(parse.GetValue(code)!, current => updateFields.Apply(parse, current), ct), detail: new { Fields = updateFields.GivenNames(parse) });
            if (parse.GetValue(json)) await context.Output.WriteLineAsync(CliJson.Serialize(updated));
            else
            {
                await context.Error.WriteLineAsync($"Updated tenant {updated.DisplayName}.");
                WriteDetails(context, updated);
            }
            return ExitCode.Success;
        }));
        tenant.Subcommands.Add(update);
        return tenant;
    }

    /// <summary>
    /// A tenant as <c>tenant show --json</c> prints it: the registry row plus <c>hosts</c>, the host names it is
    /// served at (<see cref="TenantHosts.Of"/>, development suffix <c>localhost</c>).
    /// </summary>
    internal static System.Text.Json.Nodes.JsonObject Shown(Tenant tenant)
    {
        var shown = System.Text.Json.JsonSerializer.SerializeToNode(tenant, CliJson.Options)!.AsObject();
        shown["hosts"] = new System.Text.Json.Nodes.JsonArray([.. Hosts(tenant).Select(h => System.Text.Json.Nodes.JsonValue.Create(h))]);
        return shown;
    }

    private static IReadOnlyList<string> Hosts(Tenant tenant) => TenantHosts.Of(tenant, TenantHosts.DefaultDevelopmentSuffix);

    private static void WriteList(CliContext context, IReadOnlyList<Tenant> tenants)
    {
        var table = new Table().AddColumns("code", "name", "state", "active", "server", "db_name", "schema", "domain", "workspace", "industry", "country");
        foreach (var t in tenants)
        {
            table.AddRow(new[] { t.Code, t.Name, TenantLifecycle.ToText(t.State), t.Active ? "yes" : "no", t.Server ?? "-", t.DbName, t.SupabaseSchema,
                t.PrimaryDomain ?? "-", t.SupersetWorkspace ?? "-", t.Industry, t.Country }.Select(v => new Text(v)).ToArray());
        }
        context.Console.Write(table);
    }

    private static void WriteDetails(CliContext context, Tenant t)
    {
        var table = new Table().HideHeaders().AddColumn("field").AddColumn("value");
        void Row(string key, string? value) => table.AddRow(new Text(key), new Text(value ?? "-"));
        Row("id", t.Id.ToString(CultureInfo.InvariantCulture));
        Row("code", t.Code);
        Row("name", t.Name);
        Row("state", TenantLifecycle.ToText(t.State));
        Row("active", t.Active ? "yes" : "no");
        Row("sequence", t.Sequence.ToString(CultureInfo.InvariantCulture));
        Row("server", t.Server ?? "not placed yet (its first provisioning run places it)");
        Row("db_name", t.DbName);
        Row("supabase_schema", t.SupabaseSchema);
        Row("primary_domain", t.PrimaryDomain);
        Row("hosts", string.Join(", ", Hosts(t)));
        Row("superset_workspace", t.SupersetWorkspace);
        Row("superset_base_url", t.SupersetBaseUrl);
        Row("company_name", t.CompanyName);
        Row("industry", t.Industry);
        Row("country", t.Country);
        Row("admin_email", t.AdminEmail);
        Row("admin_phone", t.AdminPhone);
        Row("onboarded_date", t.OnboardedDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Row("notes", t.Notes);
        Row("create_date", t.CreateDate.ToString("u", CultureInfo.InvariantCulture));
        Row("write_date", t.WriteDate.ToString("u", CultureInfo.InvariantCulture));
        context.Console.Write(table);
    }
}
