using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace InsightPulse.Web.Api;

/// <summary>Documents the operator bearer token in the OpenAPI document (one HTTP bearer scheme, required by every operation).</summary>
public sealed class BearerSecurityScheme : IOpenApiDocumentTransformer
{
    public const string Name = "operator_token";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Info.Title = "InsightPulse operator API";
        document.Info.Description = "Tenants of the platform: list, create, provision, suspend, resume. Served on the platform host only.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Name] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The operator token: IPAI_OPERATOR_TOKEN, else the generated .ipai/secrets/operator.token.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Name, document)] = [] });
        return Task.CompletedTask;
    }
}
