using InsightPulse.Core.Tenants;
using InsightPulse.Core.Users;
using InsightPulse.Web.Auth;
using InsightPulse.Web.Markup;
using InsightPulse.Web.Pages;

namespace InsightPulse.Web.Users;

/// <summary><c>/settings/users</c>: a tenant's administrators list the users and create new ones.</summary>
public static class UserPages
{
    public static IEndpointRouteBuilder MapUserPages(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/settings/users").RequireAuthorization(WebAuthorization.Admin);
        group.MapGet("/", async (PageContext page, TenantUserDirectory users, string? created) =>
            Page(page, await users.ListAsync(page.Tenant, page.Http.RequestAborted), null, null, created));
        group.MapPost("/", async (PageContext page, TenantUserDirectory users, IFormCollection form) =>
        {
            var user = new NewUser(form["login"].ToString(), form["name"].ToString(), form["email"].ToString(), form["password"].ToString(),
                form["is_admin"].ToString() == "on");
            try
            {
                var created = await users.CreateAsync(page.Tenant, user, page.Http.RequestAborted);
                return Results.Redirect("/settings/users?created=" + Uri.EscapeDataString(created.Login));
            }
            catch (FieldValidationException e)
            {
                return Page(page, await users.ListAsync(page.Tenant, page.Http.RequestAborted), user, e.Errors, null);
            }
        });
        return endpoints;
    }

    private static IResult Page(PageContext page, IReadOnlyList<TenantUser> users, NewUser? entered, IReadOnlyList<ValidationError>? errors, string? created)
    {
        var rows = users.Select(u => Html.Of($"""
            <tr><td>{u.Login}</td><td>{u.Name}</td><td>{u.Email}</td>
            <td>{(u.IsAdmin ? "Administrator" : "User")}</td>
            <td><span class="badge {(u.Active ? "active" : "archived")}">{(u.Active ? "active" : "inactive")}</span></td>
            <td>{u.LastLogin?.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture) ?? "never"}</td></tr>
            """));
        var body = Html.Of($"""
            {Html.When(created is not null, Html.Of($"<div class=\"notice\" role=\"status\">User {created} created: they can sign in at {page.Host}.</div>"))}
            <div class="table-wrap"><table>
              <thead><tr><th>Login</th><th>Name</th><th>Email</th><th>Role</th><th>State</th><th>Last sign-in</th></tr></thead>
              <tbody>{rows}</tbody>
            </table></div>
            <h2>New user</h2>
            <form class="card" method="post" action="/settings/users">
              {page.FormToken()}
              {FormFields.Errors(errors, "login", "name", "email", "password")}
              <div class="form-grid">
                {FormFields.Field("login", "Login", entered?.Login, errors, required: true, hint: "Lower case, no spaces, e.g. juan or juan@tbwa.ph")}
                {FormFields.Field("name", "Name", entered?.Name, errors, required: true)}
                {FormFields.Field("email", "Email", entered?.Email, errors, type: "email")}
                {FormFields.Field("password", "Password", null, errors, type: "password", required: true, hint: $"At least {TenantUserDirectory.MinPasswordLength} characters", extra: "autocomplete=\"new-password\"")}
              </div>
              <label class="check"><input type="checkbox" name="is_admin"{Html.When(entered?.IsAdmin == true, Html.Trusted(" checked"))}> Administrator (manages users)</label>
              <div class="actions"><button type="submit" class="primary">Create user</button></div>
            </form>
            """);
        return HtmlResults.Page(Layout.Page(page, "Users", body, "users"), errors is null ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity);
    }
}
