namespace InsightPulse.Core.Bi.Security;

/// <summary>A comparison of <see cref="RlsComparison"/>; <c>!=</c> and <c>&lt;&gt;</c> are one operator.</summary>
public enum RlsOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}
