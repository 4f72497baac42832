namespace Apperate.Actors.Workspaces;

/// <summary>A token looked up by the SHA-256 of its text.</summary>
public sealed class TokenGrain([PersistentState("token", StorageNames.GrainState)] IPersistentState<TokenState> state)
    : Grain, ITokenGrain
{
    /// <inheritdoc />
    public Task<TokenInfo?> GetAsync() => Task.FromResult(state.State.Info);

    /// <inheritdoc />
    public async Task SetAsync(TokenInfo info)
    {
        state.State.Info = info;
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public async Task ClearAsync()
    {
        state.State.Info = null;
        await state.ClearStateAsync();
        DeactivateOnIdle();
    }
}
