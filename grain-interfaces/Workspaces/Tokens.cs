using Orleans.Concurrency;

namespace Apperate.Actors.Workspaces;

/// <summary>Secret tokens may do anything in their workspace; publishable tokens only what their permissions grant.</summary>
[GenerateSerializer, Alias("apperate.TokenType")]
public enum TokenType
{
    Secret = 0,
    Publishable = 1,
}

/// <summary>Per-dataset permissions of a publishable token.</summary>
[Flags]
[GenerateSerializer, Alias("apperate.TokenPermission")]
public enum TokenPermission
{
    None = 0,
    Read = 1,
    Write = 2,
    Delete = 4,
}

/// <summary>A token as stored: never its text, which is kept only as a SHA-256 hash.</summary>
/// <param name="TokenId">The public id used to list and revoke it.</param>
/// <param name="Workspace">The only workspace it reaches.</param>
/// <param name="Type">Secret or publishable.</param>
/// <param name="Name">Optional name.</param>
/// <param name="Permissions">Publishable tokens: dataset id as given (or <c>*</c> for every dataset) to permissions; matched ignoring case.</param>
/// <param name="Created">Creation time, epoch ms.</param>
/// <param name="Hash">SHA-256 of the token text, lower-case hex: the key of its <see cref="ITokenGrain"/>.</param>
[GenerateSerializer, Alias("apperate.TokenInfo")]
public sealed record TokenInfo(
    [property: Id(0)] string TokenId,
    [property: Id(1)] string Workspace,
    [property: Id(2)] TokenType Type,
    [property: Id(3)] string? Name,
    [property: Id(4)] Dictionary<string, TokenPermission> Permissions,
    [property: Id(5)] long Created,
    [property: Id(6)] string Hash)
{
    /// <summary>What this token may do on a dataset of its workspace.</summary>
    public TokenPermission PermissionsFor(string datasetId)
    {
        if (Type == TokenType.Secret) return TokenPermission.Read | TokenPermission.Write | TokenPermission.Delete;
        var granted = TokenPermission.None;
        foreach (var (dataset, permission) in Permissions)
        {
            if (dataset == "*" || string.Equals(dataset, datasetId, StringComparison.OrdinalIgnoreCase)) granted |= permission;
        }
        return granted;
    }
}

/// <summary>A newly created token: the only time its text is shown.</summary>
[GenerateSerializer, Alias("apperate.CreatedToken")]
public sealed record CreatedToken([property: Id(0)] TokenInfo Info, [property: Id(1)] string Token);

/// <summary>Looks a token up by the hash of its text. Keyed by <see cref="TokenInfo.Hash"/>.</summary>
public interface ITokenGrain : IGrainWithStringKey
{
    /// <summary>The token, or null when unknown or revoked.</summary>
    [AlwaysInterleave]
    Task<TokenInfo?> GetAsync();

    /// <summary>Stores the token.</summary>
    Task SetAsync(TokenInfo info);

    /// <summary>Revokes the token.</summary>
    Task ClearAsync();
}
