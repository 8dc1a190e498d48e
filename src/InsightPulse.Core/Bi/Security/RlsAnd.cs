namespace InsightPulse.Core.Bi.Security;

/// <summary><c>Left AND Right</c>.</summary>
public sealed record RlsAnd(RlsExpression Left, RlsExpression Right) : RlsConnective(Left, Right)
{
    internal override int Precedence => AndPrecedence;

    private protected override string Keyword => "AND";
}
