namespace InsightPulse.Core.Tenants;

/// <summary>
/// Names a tenant may not take as code, schema or database. The platform migration defines
/// <c>ipai_is_reserved_name(text)</c> from the same lists, and a test checks both against the server's keywords.
/// </summary>
public static class ReservedNames
{
    /// <summary>Schemas and databases that belong to PostgreSQL or Supabase.</summary>
    public static readonly IReadOnlySet<string> System = new HashSet<string>(StringComparer.Ordinal)
    {
        "public", "information_schema", "auth", "storage", "extensions", "postgres", "template0", "template1",
        "realtime", "graphql", "graphql_public", "vault", "pgbouncer", "supabase_functions", "supabase_migrations", "net", "cron",
    };

    /// <summary>PostgreSQL's reserved key words (pg_get_keywords() catcode R and T), plus those newer majors added.</summary>
    public static readonly IReadOnlySet<string> SqlKeywords = new HashSet<string>(StringComparer.Ordinal)
    {
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "binary", "both",
        "case", "cast", "check", "collate", "collation", "column", "concurrently", "constraint", "create", "cross",
        "current_catalog", "current_date", "current_role", "current_schema", "current_time", "current_timestamp",
        "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false", "fetch",
        "for", "foreign", "freeze", "from", "full", "grant", "group", "having", "ilike", "in", "initially", "inner",
        "intersect", "into", "is", "isnull", "join", "lateral", "leading", "left", "like", "limit", "localtime",
        "localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or", "order", "outer",
        "overlaps", "placing", "primary", "references", "returning", "right", "select", "session_user", "similar",
        "some", "symmetric", "system_user", "table", "tablesample", "then", "to", "trailing", "true", "union", "unique",
        "user", "using", "variadic", "verbose", "when", "where", "window", "with",
    };

    /// <summary>True for <c>pg_*</c>, system names and SQL key words.</summary>
    public static bool IsReserved(string name) =>
        name.StartsWith("pg_", StringComparison.Ordinal) || System.Contains(name) || SqlKeywords.Contains(name);
}
