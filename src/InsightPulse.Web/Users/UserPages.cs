using InsightPulse.Core.Audit;
using InsightPulse.Core.Tenants;
using InsightPulse.Core.Users;
using InsightPulse.Web.Auth;
using InsightPulse.Web.Markup;
using InsightPulse.Web.Pages;

namespace InsightPulse.Web.Users;

/// <summary>
/// <c>/settings/users</c>: a tenant's administrators list the users, create new ones, set a password, disable and enable.
/// Each change goes to the audit trail as the signed-in administrator, refusals included (never the password).
/// </summary>
public static class UserPages
{
    public static IEndpointRouteBuilder MapUserPages(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/settings/users").RequireAuthorization(WebAuthorization.Admin);
        group.MapGet("/", async (PageContext page, TenantUserDirectory users) =>
            Page(page, await users.ListAsync(page.Tenant, page.Http.RequestAborted), null, null));
        group.MapPost("/", async (PageContext page, TenantUserDirectory users, AuditLog audit, IFormCollection form) =>
        {
            var user = new NewUser(form["login"].ToString(), form["name"].ToString(), form["email"].ToString(), form["password"].ToString(),
                form["is_admin"].ToString() == "on");
            try
            {
                var created = await audit.TrackAsync(new AuditEvent(SessionClaims.Actor(page.User), AuditActions.UserCreated, page.Tenant.Code, new { user.Login, user.IsAdmin }),
                    () => users.CreateAsync(page.Tenant, user, page.Http.RequestAborted), u => new { UserId = u.Id });
                return Results.Redirect("/settings/users?created=" + Uri.EscapeDataString(created.Login));
            }
            catch (FieldValidationException e)
            {
                return Page(page, await users.ListAsync(page.Tenant, page.Http.RequestAborted), user, e.Errors);
            }
        });
        // Each ends every session of the user (on every node): a password set, or the user disabled.
        group.MapPost("/{id:long}/password", (PageContext page, TenantUserDirectory users, AuditLog audit, IFormCollection form, long id) =>
            ChangeAsync(page, users, audit, AuditActions.UserPasswordSet, id, () => users.SetPasswordAsync(page.Tenant, id, form["password"].ToString(), page.Http.RequestAborted), "password-set"));
        group.MapPost("/{id:long}/disable", (PageContext page, TenantUserDirectory users, AuditLog audit, IFormCollection _, long id) =>
            ChangeAsync(page, users, audit, AuditActions.UserDisabled, id, () => users.SetActiveAsync(page.Tenant, id, false, SessionClaims.UserId(page.User) ?? 0, page.Http.RequestAborted), "disabled"));
        group.MapPost("/{id:long}/enable", (PageContext page, TenantUserDirectory users, AuditLog audit, IFormCollection _, long id) =>
            ChangeAsync(page, users, audit, AuditActions.UserEnabled, id, () => users.SetActiveAsync(page.Tenant, id, true, SessionClaims.UserId(page.User) ?? 0, page.Http.RequestAborted), "enabled"));
        return endpoints;
    }

    /// <summary>
    /// One change to one user, recorded as <paramref name="action"/>: back to the list saying what was done, 404 for no
    /// such user (refused), 422 with the reason when refused.
    /// </summary>
    private static async Task<IResult> ChangeAsync(PageContext page, TenantUserDirectory users, AuditLog audit, string action, long id, Func<Task<TenantUser?>> change, string done)
    {
        var audited = new AuditEvent(SessionClaims.Actor(page.User), action, page.Tenant.Code, new { UserId = id });
        TenantUser? user;
        try
        {
            user = await change();
        }
        catch (Exception e)
        {
            await audit.RecordFailureAsync(audited, e);
            if (e is FieldValidationException refused) return Page(page, await users.ListAsync(page.Tenant, page.Http.RequestAborted), null, null, refused.Errors);
            throw;
        }
        if (user is null)
        {
            await audit.RecordAsync(audited, AuditOutcome.Refused, new { Error = "no such user" });
            return Results.NotFound();
        }
        await audit.RecordAsync(audited, AuditOutcome.Succeeded, new { user.Login });
        return Results.Redirect($"/settings/users?{done}=" + Uri.EscapeDataString(user.Login));
    }

    /// <summary>The list and the new-user form; what the last change did comes from the query its redirect names (<c>?created=</c>, <c>?disabled=</c>…).</summary>
    private static IResult Page(PageContext page, IReadOnlyList<TenantUser> users, NewUser? entered, IReadOnlyList<ValidationError>? errors,
        IReadOnlyList<ValidationError>? refused = null)
    {
        var query = page.Http.Request.Query;
        var done = query["created"].ToString() is { Length: > 0 } created ? $"User {created} created: they can sign in at {page.Host}."
            : query["password-set"].ToString() is { Length: > 0 } set ? $"Password of {set} set: every session of theirs has ended."
            : query["disabled"].ToString() is { Length: > 0 } disabled ? $"User {disabled} disabled: they cannot sign in, and every session of theirs has ended."
            : query["enabled"].ToString() is { Length: > 0 } enabled ? $"User {enabled} enabled: they can sign in again."
            : null;
        var self = SessionClaims.UserId(page.User);
        var rows = users.Select(u => Html.Of($"""
            <tr><td>{u.Login}</td><td>{u.Name}</td><td>{u.Email}</td>
            <td>{(u.IsAdmin ? "Administrator" : "User")}</td>
            <td><span class="badge {(u.Active ? "active" : "archived")}">{(u.Active ? "active" : "inactive")}</span></td>
            <td>{u.LastLogin?.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture) ?? "never"}</td>
            <td class="row-actions">
              {Html.When(u.Id != self, Html.Of($"<form method=\"post\" action=\"/settings/users/{u.Id}/{(u.Active ? "disable" : "enable")}\">{page.FormToken()}<button type=\"submit\">{(u.Active ? "Disable" : "Enable")}</button></form>"))}
              <form method="post" action="/settings/users/{u.Id}/password">{page.FormToken()}<label class="visually-hidden" for="pw-{u.Id}">New password for {u.Login}</label><input id="pw-{u.Id}" type="password" name="password" minlength="{TenantUserDirectory.MinPasswordLength}" required autocomplete="new-password" placeholder="New password"><button type="submit">Set password</button></form>
            </td></tr>
            """));
        var body = Html.Of($"""
            {Html.When(done is not null, Html.Of($"<div class=\"notice\" role=\"status\">{done}</div>"))}
            {Html.When(refused is not null, Html.Of($"<div class=\"alert\" role=\"alert\">{string.Join(" ", (refused ?? []).Select(e => e.Message))}</div>"))}
            <div class="table-wrap"><table>
              <thead><tr><th>Login</th><th>Name</th><th>Email</th><th>Role</th><th>State</th><th>Last sign-in</th><th>Actions</th></tr></thead>
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
        return HtmlResults.Page(Layout.Page(page, "Users", body, "users"), errors is null && refused is null ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity);
    }
}
