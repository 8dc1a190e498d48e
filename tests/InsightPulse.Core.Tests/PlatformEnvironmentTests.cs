using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.Core.Tests;

/// <summary>POSTGRES_URL and POSTGRES_URL_NON_POOLING as the document writes them: which server carries what.</summary>
public sealed class PlatformEnvironmentTests
{
    // Passwords put together at run time (scripts/secret-scan.sh needs no exception).
    private static readonly string Password = "pw" + Guid.NewGuid().ToString("N")[..8];
    private static PostgresUrl Url(string user, string rest) => PostgresUrl.Parse($"postgres://{user}:{Password}@{rest}");

    private static readonly PostgresUrl Pooled = Url("postgres.abcd", "aws-1-us-east-1.pooler.supabase.com:6543/postgres?sslmode=require&supa=base-pooler.x");
    private static readonly PostgresUrl Direct = Url("postgres", "db.abcd.supabase.co:5432/postgres?sslmode=require");

    [Fact]
    public void With_both_urls_the_owner_works_on_the_direct_url_and_the_request_path_goes_through_the_pooler()
    {
        var environment = PlatformEnvironment.External(Pooled, Direct, new PlatformOptions());

        Assert.True(environment.HasSession);
        Assert.Equal(("db.abcd.supabase.co", 5432, false), (environment.Server.Host, environment.Server.Port, environment.Server.BehindTransactionPooler));
        Assert.Equal("postgres", environment.Owner.Username);
        Assert.Equal(("aws-1-us-east-1.pooler.supabase.com", 6543, true), (environment.RequestServer.Host, environment.RequestServer.Port, environment.RequestServer.BehindTransactionPooler));
        // Supabase's pooler takes role ipai_app of this project as ipai_app.abcd.
        Assert.Equal(".abcd", environment.RequestServer.LoginSuffix);
        Assert.Equal("ipai_app.abcd", new NpgsqlConnectionStringBuilder(environment.RequestServer.ConnectionString("odoo_tbwa", new PostgresLogin("ipai_app", Password))).Username);
        Assert.Equal("postgres", environment.DataDatabase);
        Assert.Equal([PlatformEnvironment.DirectUrlVariable, PlatformEnvironment.PooledUrlVariable], environment.Urls.Select(u => u.Variable));
        Assert.All(environment.Urls, u => Assert.Contains(":***@", u.Url, StringComparison.Ordinal));
        Assert.DoesNotContain(Password, environment.Description + string.Concat(environment.Urls.Select(u => u.Url + u.Serves)), StringComparison.Ordinal);
        environment.RequireSession("anything"); // does not throw
    }

    [Fact]
    public void Both_urls_logging_in_as_the_same_user_need_no_suffix()
    {
        var environment = PlatformEnvironment.External(Url("postgres", "127.0.0.1:6432/postgres?pgbouncer=true"), Url("postgres", "127.0.0.1:5432/postgres"), new PlatformOptions());

        Assert.Equal("", environment.RequestServer.LoginSuffix);
        Assert.Equal(6432, environment.RequestServer.Port);
        Assert.Equal(5432, environment.Server.Port);
    }

    [Fact]
    public void Only_the_pooled_url_serves_requests_and_refuses_session_work_naming_the_direct_url()
    {
        var environment = PlatformEnvironment.External(Pooled, null, new PlatformOptions());

        Assert.False(environment.HasSession);
        Assert.Same(environment.Server, environment.RequestServer);
        var refused = Assert.Throws<SessionRequiredException>(() => environment.RequireSession("Provisioning tenant 'tbwa'"));
        Assert.StartsWith("Provisioning tenant 'tbwa' needs a PostgreSQL session", refused.Message, StringComparison.Ordinal);
        Assert.Contains("POSTGRES_URL_NON_POOLING", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, refused.Message, StringComparison.Ordinal);
        Assert.Contains("POSTGRES_URL_NON_POOLING", Assert.Single(environment.Urls).Serves, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_direct_url_serves_everything()
    {
        var environment = PlatformEnvironment.External(null, Direct, new PlatformOptions());

        Assert.True(environment.HasSession);
        Assert.Same(environment.Server, environment.RequestServer);
        Assert.Equal(PlatformEnvironment.DirectUrlVariable, Assert.Single(environment.Urls).Variable);
    }

    [Fact]
    public void A_direct_url_that_says_it_is_a_pooler_is_refused()
    {
        var error = Assert.Throws<FormatException>(() => PlatformEnvironment.External(Pooled, Url("postgres", "db.abcd.supabase.co:6543/postgres"), new PlatformOptions()));

        Assert.Contains("POSTGRES_URL_NON_POOLING says it goes through a transaction-mode pooler (port 6543)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("someone", "postgres", "logs in as someone")]
    [InlineData("postgres.abcd", "other", "POSTGRES_URL_NON_POOLING names other")]
    public void Urls_that_do_not_belong_together_are_refused(string pooledUser, string directDatabase, string expected)
    {
        var error = Assert.Throws<FormatException>(() => PlatformEnvironment.External(
            Url(pooledUser, "pooler.example.com:6543/postgres"), Url("postgres", $"db.example.com:5432/{directDatabase}"), new PlatformOptions()));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_direct_url_is_named_in_its_error()
    {
        var error = Assert.Throws<FormatException>(() => PostgresUrl.Parse("mysql://x", PlatformEnvironment.DirectUrlVariable));

        Assert.StartsWith("POSTGRES_URL_NON_POOLING is not a postgres:// URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_data_database_is_the_urls_at_home_and_a_database_of_its_own_on_a_data_server()
    {
        var home = PlatformEnvironment.External(null, Url("postgres", "127.0.0.1:5432/appdb"), new PlatformOptions { DataDatabase = "ignored" });
        Assert.Equal(("home", "appdb", "appdb"), (home.DataServer, home.DataDatabase, home.HomeDatabase));
        Assert.True(home.IsData("home", "appdb"));
        Assert.Equal("appdb", home.DataDatabaseText);

        var elsewhere = PlatformEnvironment.External(null, Url("postgres", "127.0.0.1:5432/appdb"), new PlatformOptions { DataServer = "data1" });
        Assert.Equal(("data1", PlatformOptions.DefaultRemoteDataDatabase, "appdb"), (elsewhere.DataServer, elsewhere.DataDatabase, elsewhere.HomeDatabase));
        Assert.False(elsewhere.IsData("home", PlatformOptions.DefaultRemoteDataDatabase));
        Assert.True(elsewhere.IsData("data1", PlatformOptions.DefaultRemoteDataDatabase));
        Assert.Equal("ipai_data on server data1", elsewhere.DataDatabaseText);

        var named = PlatformEnvironment.External(null, Url("postgres", "127.0.0.1:5432/appdb"), new PlatformOptions { DataServer = "data1", DataDatabase = "shared" });
        Assert.Equal("shared", named.DataDatabase);
    }
}
