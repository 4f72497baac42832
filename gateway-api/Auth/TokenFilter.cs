using System.Text.Json;
using Apperate.Actors.Gateway.Http;
using Apperate.Actors.Workspaces;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Apperate.Actors.Gateway.Auth;

/// <summary>
/// The token check of every <c>/v1</c> endpoint (the <c>/v1</c> route group carries it), in one place: authenticates the caller (401), checks the endpoint's
/// <see cref="TokenRequirement"/> (403), and leaves the token for the handler (<see cref="TokenRequirements.Caller"/>).
/// </summary>
public sealed class TokenFilter(TokenAuthenticator auth) : IEndpointFilter
{
    /// <inheritdoc />
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var requirement = http.GetEndpoint()?.Metadata.GetMetadata<TokenRequirement>()
            ?? throw new InvalidOperationException($"{http.Request.Path} declares no token requirement");
        var bodyToken = requirement.BodyLimit > 0 && !TokenAuthenticator.HasToken(http.Request) ? await BodyTokenAsync(http.Request, requirement.BodyLimit) : null;
        var token = await auth.AuthenticateAsync(http, bodyToken);
        var workspace = http.GetRouteValue("workspace") as string ?? token.Workspace;
        switch (requirement.Access)
        {
            case TokenAccess.Workspace:
                TokenAuthenticator.Authorize(token, workspace, token.Type == TokenType.Secret ? null : "*", TokenPermission.None);
                break;
            case TokenAccess.Secret:
                TokenAuthenticator.RequireSecret(token, workspace);
                break;
            case TokenAccess.Dataset:
                TokenAuthenticator.Authorize(token, workspace, http.GetRouteValue("datasetId") as string, requirement.Permission);
                break;
        }
        http.Features.Set(token);
        return await next(context);
    }

    /// <summary>
    /// The <c>token</c> member of a JSON object body, or null. The parsed body is left for the handler, whose
    /// <see cref="RequestBody.ReadJsonAsync"/> takes it instead of reading the request again; a body that is not
    /// usable JSON is the caller's 4xx, naming the body, as the handler would answer.
    /// </summary>
    private static async Task<string?> BodyTokenAsync(HttpRequest request, long limit)
    {
        var body = await RequestBody.ReadJsonAsync(request, limit, request.HttpContext.RequestAborted);
        RequestBody.Keep(request, body);
        return body.Root.ValueKind == JsonValueKind.Object && body.Root.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()
            : null;
    }
}
