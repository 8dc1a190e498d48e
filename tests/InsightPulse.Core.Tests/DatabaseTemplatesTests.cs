using InsightPulse.Core.Modules;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;

namespace InsightPulse.Core.Tests;

public sealed class DatabaseTemplatesTests
{
    private static readonly List<Module> Modules =
        ModuleCatalog.Embedded.InstallOrder(ModuleCatalog.BaseModules).Where(m => m.Target == ModuleTarget.Database).ToList();

    private static readonly IReadOnlyList<Migration> Context = [new Migration("0001_tenant_context.sql", "SELECT 1;")];

    [Fact]
    public void The_name_is_a_valid_database_name_and_the_same_for_the_same_scripts()
    {
        var name = DatabaseTemplates.NameFor(Context, Modules);

        Assert.Matches(@"\Aipai_template_[0-9a-f]{16}\z", name);
        Assert.True(name.Length + "_build".Length <= Sql.MaxIdentifierLength);
        Assert.Equal(name, DatabaseTemplates.NameFor(Context, Modules));
    }

    [Fact]
    public void A_changed_script_gives_another_template_so_a_stale_one_is_never_copied()
    {
        var changedModule = Modules[0] with { Migrations = [Modules[0].Migrations[0] with { Sql = Modules[0].Migrations[0].Sql + "\n-- changed" }] };
        var changedContext = new[] { new Migration("0001_tenant_context.sql", "SELECT 2;") };

        var name = DatabaseTemplates.NameFor(Context, Modules);

        Assert.NotEqual(name, DatabaseTemplates.NameFor(Context, [changedModule, .. Modules.Skip(1)]));
        Assert.NotEqual(name, DatabaseTemplates.NameFor(changedContext, Modules));
        Assert.NotEqual(name, DatabaseTemplates.NameFor(Context, Modules.Take(1)));
    }
}
