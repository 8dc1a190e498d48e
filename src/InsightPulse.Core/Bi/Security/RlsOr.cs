namespace InsightPulse.Core.Bi.Security;

/// <summary><c>Left OR Right</c>.</summary>
public sealed record RlsOr(RlsExpression Left, RlsExpression Right) : RlsConnective(Left, Right)
{
    internal override int Precedence => OrPrecedence;

    private protected override string Keyword => "OR";
}
