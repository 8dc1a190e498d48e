namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// A tenant's BI service account (the user its back end signs in as to ask for guest tokens): its user name, and the
/// secret that holds its password (<c>.ipai/secrets/bi_service.&lt;code&gt;</c>), which goes with the tenant's record.
/// </summary>
public static class BiServiceAccount
{
    public const string Username = "bi_service";

    public static string SecretName(string tenantCode) => "bi_service." + tenantCode;
}
