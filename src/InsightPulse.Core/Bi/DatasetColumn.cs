using InsightPulse.Core.Bi.Security;

namespace InsightPulse.Core.Bi;

/// <summary>One column of a dataset as the catalogue gives it: its name and <c>format_type</c> text.</summary>
public sealed record DatasetColumn(string Name, string Type)
{
    /// <summary>A date or a timestamp: can be a chart's time column.</summary>
    public bool IsTemporal => Type is "date" || Type.StartsWith("timestamp", StringComparison.Ordinal);

    /// <summary>A number: can be summed and averaged.</summary>
    public bool IsNumeric => Type is "smallint" or "integer" or "bigint" or "real" or "double precision"
        || Type.StartsWith("numeric", StringComparison.Ordinal);

    /// <summary>Arrays and documents cannot be grouped by or compared with one literal.</summary>
    public bool IsScalar => !Type.EndsWith("[]", StringComparison.Ordinal) && Type is not ("json" or "jsonb") && IsCastTarget;

    /// <summary>
    /// The type text can follow <c>CAST(… AS</c> (<see cref="RlsColumn.IsSupportedType"/>: lower-case words, a precision,
    /// array brackets; never a quote or a semicolon). Another type is never used in a statement.
    /// </summary>
    public bool IsCastTarget => RlsColumn.IsSupportedType(Type);

    /// <summary>The type a bound value is cast to: without its modifier, so <c>varchar(3)</c> never truncates a value into a match.</summary>
    public string CastType => new RlsColumn(Name, Type).CastType();
}

/// <summary>
/// A dataset: a relation of a tenant's store and its columns (<c>ipai_bi_dataset</c>); of store <c>connection</c>, a
/// relation of <see cref="SchemaName"/> reached over the workspace's database connection <see cref="DatabaseId"/>.
/// </summary>
public sealed record Dataset(long Id, Guid Uuid, string TenantCode, string Name, string Store, string Relation, IReadOnlyList<DatasetColumn> Columns,
    long? DatabaseId = null, string? SchemaName = null)
{
    public const string ConnectionStore = "connection";

    public DatasetColumn? Column(string name) => Columns.FirstOrDefault(c => c.Name == name);

    /// <summary>Column name → type, as the RLS clause grammar takes it.</summary>
    public IReadOnlyDictionary<string, string> ColumnTypes => Columns.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
}
