using InsightPulse.Web.Markup;

namespace InsightPulse.Web.Hosting;

/// <summary>
/// Routing's own refusals, answered as what they are before authentication can take them for a page that needs a
/// sign-in (it would redirect to <c>/login</c>): a known path asked with another method (405) or with a body of a media
/// type its endpoint does not read (415), and a path no endpoint serves (404). Routing marks the first two with an endpoint
/// of its own that is no <see cref="RouteEndpoint"/>.
/// </summary>
public static class RoutingRejections
{
    public static IApplicationBuilder UseRoutingRejections(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var endpoint = context.GetEndpoint();
            if (endpoint is null)
            {
                // Nothing is served at this path, for anyone: 404, not a sign-in that would lead nowhere.
                await StatusPages.Write(context, StatusCodes.Status404NotFound, "Not found",
                    StatusPages.IsApi(context.Request) ? "No endpoint of this API is at this path." : "There is nothing here.");
                return;
            }
            if (endpoint is null or RouteEndpoint || endpoint.RequestDelegate is null)
            {
                await next(context);
                return;
            }
            await endpoint.RequestDelegate(context); // sets 405 (with Allow) or 415
            var (title, message) = context.Response.StatusCode == StatusCodes.Status415UnsupportedMediaType
                ? ("Unsupported media type", "The request's Content-Type is not one this endpoint reads (the API reads application/json, forms are sent as forms).")
                : ("Method not allowed", $"This path does not take {Core.Postgres.Sql.Printable(context.Request.Method, 20)} requests.");
            await StatusPages.Write(context, context.Response.StatusCode, title, message);
        });
}
