using Apperate.Actors.Workspaces;

namespace Apperate.Actors.Gateway.Auth;

/// <summary>What a <c>/v1</c> endpoint asks of the caller's token; <see cref="TokenFilter"/> checks it before the handler runs.</summary>
/// <param name="Access">Which tokens may call.</param>
/// <param name="Permission">For <see cref="TokenAccess.Dataset"/>: what the token must hold on the route's <c>datasetId</c>.</param>
/// <param name="BodyLimit">When above 0, the token may also come as <c>token</c> in a JSON body of at most this many bytes (Apperate's clients send it there to the rules endpoints).</param>
public sealed record TokenRequirement(TokenAccess Access, TokenPermission Permission = TokenPermission.None, long BodyLimit = 0);

/// <summary>Which tokens may call an endpoint. The workspace is the route's <c>workspace</c>, or the token's own where the route has none.</summary>
public enum TokenAccess
{
    /// <summary>Any valid token.</summary>
    Any,

    /// <summary>A token of the workspace: a secret one, or a publishable one (its per-dataset permissions are checked by the handler).</summary>
    Workspace,

    /// <summary>A secret token of the workspace.</summary>
    Secret,

    /// <summary>A secret token of the workspace, or a publishable one holding <see cref="TokenRequirement.Permission"/> on the route's <c>datasetId</c>.</summary>
    Dataset,
}
