using Apperate.Actors.Workspaces;

namespace Apperate.Actors.Tests.Grains;

/// <summary>Workspace creation and tokens: the registry in the workspace grain and the lookup by hash.</summary>
[Collection(GrainClusterCollection.Name)]
public sealed class TokenTests(GrainClusterFixture fixture) : GrainTestKit(fixture)
{
    private ITokenGrain Token(string text) => Client.GetGrain<ITokenGrain>(TokenText.Hash(text));

    [Fact]
    public async Task EnsureCreated_creates_the_workspace_once_with_a_bootstrap_token()
    {
        var name = "Ws" + Guid.NewGuid().ToString("N")[..16];

        var created = await Workspace(name).EnsureCreatedAsync(name, null);

        Assert.NotNull(created);
        Assert.Matches("^sk_[0-9a-f]{40}$", created.Token);
        Assert.Equal(name, created.Info.Workspace);
        Assert.Equal(TokenType.Secret, created.Info.Type);
        Assert.Equal("bootstrap", created.Info.Name);
        Assert.Equal(TokenText.Hash(created.Token), created.Info.Hash);
        Assert.Equal(name, await Workspace(name).GetNameAsync());
        Assert.Equal(name, await Workspace(name.ToLowerInvariant()).GetNameAsync());

        Assert.Null(await Workspace(name).EnsureCreatedAsync("Other", null));
        Assert.Equal(name, await Workspace(name).GetNameAsync());
        Assert.Equal([created.Info.TokenId], (await Workspace(name).ListTokensAsync()).Select(t => t.TokenId));
        Assert.Equal(created.Info.TokenId, (await Token(created.Token).GetAsync())?.TokenId);
    }

    [Fact]
    public async Task A_fixed_bootstrap_token_resolves_by_its_hash()
    {
        var name = "WS" + Guid.NewGuid().ToString("N")[..16];
        var text = "sk_fixed_" + Guid.NewGuid().ToString("N");

        var created = await Workspace(name).EnsureCreatedAsync(name, text);

        Assert.NotNull(created);
        Assert.Equal(text, created.Token);
        var info = await Token(text).GetAsync();
        Assert.NotNull(info);
        Assert.Equal(created.Info.TokenId, info.TokenId);
        Assert.Equal(name, info.Workspace);
        Assert.Equal(TokenType.Secret, info.Type);
        Assert.Equal(TokenText.Hash(text), info.Hash);

        // Again with the same text: nothing new.
        Assert.Null(await Workspace(name).EnsureCreatedAsync(name, text));
        Assert.Single(await Workspace(name).ListTokensAsync());
    }

    [Fact]
    public async Task A_bootstrap_token_configured_after_the_first_start_is_added()
    {
        var name = await NewWorkspaceAsync();
        var text = "sk_later_" + Guid.NewGuid().ToString("N");

        Assert.Null(await Workspace(name).EnsureCreatedAsync(name, text));

        var info = await Token(text).GetAsync();
        Assert.NotNull(info);
        Assert.Equal(name, info.Workspace);
        Assert.Equal(2, (await Workspace(name).ListTokensAsync()).Length);
    }

    [Fact]
    public async Task Created_tokens_are_listed_resolvable_and_revocable()
    {
        var ws = await NewWorkspaceAsync();
        var permissions = new Dictionary<string, TokenPermission> { ["quotes"] = TokenPermission.Read | TokenPermission.Write, ["*"] = TokenPermission.Read };

        var token = await Workspace(ws).CreateTokenAsync(TokenType.Publishable, "web", permissions);

        Assert.Matches("^pk_[0-9a-f]{40}$", token.Token);
        Assert.Equal(TokenText.Hash(token.Token), token.Info.Hash);
        Assert.Equal(ws, token.Info.Workspace);
        Assert.Equal("web", token.Info.Name);
        var resolved = await Token(token.Token).GetAsync();
        Assert.NotNull(resolved);
        Assert.Equal(token.Info.TokenId, resolved.TokenId);
        Assert.Equal(TokenType.Publishable, resolved.Type);
        Assert.Equal(new Dictionary<string, TokenPermission> { ["quotes"] = TokenPermission.Read | TokenPermission.Write, ["*"] = TokenPermission.Read }, resolved.Permissions);
        Assert.Equal(TokenPermission.Read | TokenPermission.Write, resolved.PermissionsFor("Quotes"));
        Assert.Equal(TokenPermission.Read, resolved.PermissionsFor("Other"));

        var listed = await Workspace(ws).ListTokensAsync();
        Assert.Equal(2, listed.Length);
        Assert.Contains(listed, t => t.TokenId == token.Info.TokenId && t.Hash == token.Info.Hash && t.Name == "web");

        var revoked = await Workspace(ws).RevokeTokenAsync(token.Info.TokenId);
        Assert.Equal((token.Info.TokenId, token.Info.Hash), (revoked.TokenId, revoked.Hash));

        Assert.Null(await Token(token.Token).GetAsync());
        Assert.DoesNotContain(await Workspace(ws).ListTokensAsync(), t => t.TokenId == token.Info.TokenId);
        await AssertApperate(ErrorKind.NotFound, () => Workspace(ws).RevokeTokenAsync(token.Info.TokenId));
    }

    [Fact]
    public async Task Secret_tokens_carry_no_per_dataset_permissions()
    {
        var ws = await NewWorkspaceAsync();

        var token = await Workspace(ws).CreateTokenAsync(TokenType.Secret, null, new() { ["quotes"] = TokenPermission.Read });

        Assert.Matches("^sk_[0-9a-f]{40}$", token.Token);
        var info = await Token(token.Token).GetAsync();
        Assert.NotNull(info);
        Assert.Empty(info.Permissions);
        Assert.Equal(TokenPermission.Read | TokenPermission.Write | TokenPermission.Delete, info.PermissionsFor("anything"));
    }

    [Fact]
    public async Task An_unknown_token_resolves_to_null()
    {
        Assert.Null(await Token("sk_" + Guid.NewGuid().ToString("N")).GetAsync());
    }

    [Fact]
    public async Task Token_operations_on_a_missing_workspace_are_not_found()
    {
        var missing = "WS" + Guid.NewGuid().ToString("N")[..16];

        await AssertApperate(ErrorKind.NotFound, () => Workspace(missing).CreateTokenAsync(TokenType.Secret, null, []));
        await AssertApperate(ErrorKind.NotFound, () => Workspace(missing).ListTokensAsync());
        await AssertApperate(ErrorKind.NotFound, () => Workspace(missing).RevokeTokenAsync("nope"));
    }
}
