namespace InsightPulse.Web.Auth;

/// <summary>Authorization policies: every page needs a session of the request's tenant; some need an administrator.</summary>
public static class WebAuthorization
{
    public const string Admin = "admin";
}
