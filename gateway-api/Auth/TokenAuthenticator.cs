using System.Collections.Concurrent;
using Apperate.Actors.Gateway.Errors;
using Apperate.Actors.Workspaces;
using Microsoft.AspNetCore.Http;

namespace Apperate.Actors.Gateway.Auth;

/// <summary>
/// Resolves the caller's token (<c>?token=</c> or <c>Authorization: Bearer</c>) and checks what it may do.
/// </summary>
/// <remarks>
/// Lookups are cached for <see cref="CacheFor"/> to keep token grains off the write hot path. A revoke through this
/// gateway takes effect at once; through another gateway of a cluster, within that time.
/// </remarks>
public sealed class TokenAuthenticator(IGrainFactory grains)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);
    private readonly ConcurrentDictionary<string, (TokenInfo? Info, long Expires)> _cache = new();

    /// <summary>The caller's token; 401 when it is missing or unknown.</summary>
    public ValueTask<TokenInfo> AuthenticateAsync(HttpContext context) => AuthenticateAsync(context, null);

    /// <summary>
    /// The caller's token, also accepted in the JSON body (<paramref name="bodyToken"/>) as Apperate's clients send it to
    /// the rules endpoints; the query and the header win over the body. 401 when none is given or it is unknown.
    /// </summary>
    public async ValueTask<TokenInfo> AuthenticateAsync(HttpContext context, string? bodyToken)
    {
        var text = TokenOf(context.Request) ?? (string.IsNullOrEmpty(bodyToken) ? null : bodyToken)
            ?? throw new ProblemException(401, "A token is required: pass ?token= or an Authorization: Bearer header.");
        var hash = TokenText.Hash(text);
        var now = Environment.TickCount64;
        if (!_cache.TryGetValue(hash, out var entry) || entry.Expires < now)
        {
            entry = (await grains.GetGrain<ITokenGrain>(hash).GetAsync(), now + (long)CacheFor.TotalMilliseconds);
            _cache[hash] = entry;
        }
        return entry.Info ?? throw new ProblemException(401, "The token is not valid.");
    }

    /// <summary>Checks the token reaches <paramref name="workspace"/> and holds <paramref name="permission"/> on the dataset; 403 otherwise.</summary>
    public static void Authorize(TokenInfo token, string workspace, string? datasetId, TokenPermission permission)
    {
        RequireWorkspace(token, workspace);
        if (token.Type == TokenType.Secret) return;
        if (datasetId is null)
            throw new ProblemException(403, "This operation needs a secret token.");
        if ((token.PermissionsFor(datasetId) & permission) != permission)
            throw new ProblemException(403, $"The token lacks '{permission.ToString().ToLowerInvariant()}' permission on dataset '{datasetId}'.");
    }

    /// <summary>Checks the token is a secret token of <paramref name="workspace"/>; 403 otherwise.</summary>
    public static void RequireSecret(TokenInfo token, string workspace)
    {
        RequireWorkspace(token, workspace);
        if (token.Type != TokenType.Secret) throw new ProblemException(403, "This operation needs a secret token.");
    }

    /// <summary>Forgets a cached token (after a revoke).</summary>
    public void Forget(string hash) => _cache.TryRemove(hash, out _);

    private static void RequireWorkspace(TokenInfo token, string workspace)
    {
        if (!string.Equals(token.Workspace, workspace, StringComparison.OrdinalIgnoreCase))
            throw new ProblemException(403, $"The token does not belong to workspace '{workspace}'.");
    }

    /// <summary>Whether the request carries a token in the query or the <c>Authorization</c> header.</summary>
    public static bool HasToken(HttpRequest request) => TokenOf(request) is not null;

    private static string? TokenOf(HttpRequest request)
    {
        if (request.Query.TryGetValue("token", out var q) && !string.IsNullOrEmpty(q[0])) return q[0];
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7) return header[7..].Trim();
        return null;
    }
}
