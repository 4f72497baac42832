using System.Text.Json;
using Apperate.Actors.Gateway.Errors;
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
    /// The <c>token</c> member of a JSON object body, read without consuming the body; null when there is none or the
    /// body is not usable JSON (the caller is then refused for want of a token; the handler judges the body).
    /// </summary>
    private static async Task<string?> BodyTokenAsync(HttpRequest request, long limit)
    {
        request.EnableBuffering();
        try
        {
            using var body = await RequestBody.ReadJsonAsync(request, limit, request.HttpContext.RequestAborted);
            return body.Root.ValueKind == JsonValueKind.Object && body.Root.TryGetProperty("token", out var t)
                && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        }
        catch (Exception ex) when (ex is ProblemException or JsonException)
        {
            return null;
        }
        finally
        {
            request.Body.Position = 0;
        }
    }
}
