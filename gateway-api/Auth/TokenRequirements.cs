using Apperate.Actors.Workspaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Apperate.Actors.Gateway.Auth;

/// <summary>Declaring an endpoint's <see cref="TokenRequirement"/>, and reading the token its filter accepted.</summary>
public static class TokenRequirements
{
    /// <summary>Any valid token may call.</summary>
    public static TBuilder RequireToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.Require(new TokenRequirement(TokenAccess.Any));

    /// <summary>A token of the workspace may call (publishable ones see only the datasets they may read).</summary>
    public static TBuilder RequireWorkspaceToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.Require(new TokenRequirement(TokenAccess.Workspace));

    /// <summary>
    /// Only a secret token of the workspace may call; with <paramref name="bodyLimit"/>, the token may also be the
    /// <c>token</c> member of a JSON body up to that size.
    /// </summary>
    public static TBuilder RequireSecretToken<TBuilder>(this TBuilder builder, long bodyLimit = 0) where TBuilder : IEndpointConventionBuilder =>
        builder.Require(new TokenRequirement(TokenAccess.Secret, BodyLimit: bodyLimit));

    /// <summary>A secret token of the workspace, or a publishable one with <paramref name="permission"/> on the route's dataset, may call.</summary>
    public static TBuilder RequireDatasetToken<TBuilder>(this TBuilder builder, TokenPermission permission) where TBuilder : IEndpointConventionBuilder =>
        builder.Require(new TokenRequirement(TokenAccess.Dataset, permission));

    /// <summary>The caller's token, as the endpoint's <see cref="TokenFilter"/> accepted it.</summary>
    public static TokenInfo Caller(this HttpContext context) =>
        context.Features.Get<TokenInfo>() ?? throw new InvalidOperationException($"{context.Request.Path} declares no token requirement");

    private static TBuilder Require<TBuilder>(this TBuilder builder, TokenRequirement requirement) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(requirement);
}
