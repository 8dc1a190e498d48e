using InsightPulse.Core.Servers;

namespace InsightPulse.Core.Tests;

public sealed class ServerRolesTests
{
    [Fact]
    public void A_superuser_sets_every_attribute()
    {
        Assert.Equal(ServerRoles.LoginAttributes, ServerRoles.AlterableAttributes(ServerRoles.LoginAttributes, superuser: true));
    }

    [Fact]
    public void An_admin_with_createrole_leaves_out_what_only_a_superuser_may_name()
    {
        Assert.Equal("LOGIN NOCREATEDB NOCREATEROLE NOINHERIT", ServerRoles.AlterableAttributes(ServerRoles.LoginAttributes, superuser: false));
        Assert.Equal("LOGIN CREATEDB NOCREATEROLE", ServerRoles.AlterableAttributes(ServerRoles.OwnerAttributes, superuser: false));
    }
}
