using Apperate.Actors.Datasets;
using Apperate.Actors.Rules;
using Microsoft.Extensions.Logging;

namespace Apperate.Actors.Workspaces;

/// <summary>
/// The registry of a workspace's datasets and tokens. Dataset lifecycle changes go through here, dataset grain
/// first and registry second, so a crash in between is repaired by the next attempt (the grain reports it exists).
/// </summary>
public sealed partial class WorkspaceGrain(
    [PersistentState("workspace", StorageNames.GrainState)] IPersistentState<WorkspaceState> state,
    ILogger<WorkspaceGrain> logger)
    : Grain, IWorkspaceGrain
{
    private WorkspaceState State => state.State;

    /// <inheritdoc />
    public async Task<CreatedToken?> EnsureCreatedAsync(string displayName, string? token)
    {
        if (State.Name is not null)
        {
            // A configured bootstrap token always works, even when it was configured after the first start.
            if (token is not null && !HasToken(TokenText.Hash(token)))
                await AddTokenAsync(TokenType.Secret, "bootstrap", [], token);
            return null;
        }
        State.Name = displayName;
        var created = await AddTokenAsync(TokenType.Secret, "bootstrap", [], token ?? TokenText.New(TokenType.Secret));
        LogWorkspaceCreated(displayName);
        return created;
    }

    /// <inheritdoc />
    public Task<string?> GetNameAsync() => Task.FromResult(State.Name);

    /// <inheritdoc />
    public async Task<DatasetDefinition[]> ListDatasetsAsync()
    {
        RequireExists();
        var definitions = await Task.WhenAll(State.Datasets.Keys.Select(id => Dataset(id).GetDefinitionAsync()));
        return definitions.OfType<DatasetDefinition>().OrderBy(d => d.DatasetId, StringComparer.OrdinalIgnoreCase).ToArray();
    }

    /// <inheritdoc />
    public async Task<DatasetDefinition> CreateDatasetAsync(DatasetDefinition definition)
    {
        RequireExists();
        var id = Names.Normalize(definition.DatasetId);
        if (State.Datasets.TryGetValue(id, out var existing))
            throw ApperateException.Conflict($"Dataset '{existing}' already exists");
        RequireNotView(id);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var complete = definition with
        {
            Workspace = State.Name!,
            Created = now,
            Updated = now,
            Version = 1,
            TableName = "ds_" + Guid.NewGuid().ToString("N"),
        };
        try
        {
            complete = await Dataset(id).CreateAsync(complete);
        }
        catch (ApperateException ex) when (ex.Kind == ErrorKind.Conflict)
        {
            // The grain exists but the registry missed it (a crash between the two steps): repair, then report.
            State.Datasets[id] = definition.DatasetId;
            await state.WriteStateAsync();
            throw;
        }
        State.Datasets[id] = complete.DatasetId;
        await state.WriteStateAsync();
        return complete;
    }

    /// <inheritdoc />
    public async Task<EnsuredDataset> EnsureDatasetAsync(DatasetDefinition definition)
    {
        try
        {
            return new EnsuredDataset(await CreateDatasetAsync(definition), Created: true);
        }
        catch (ApperateException ex) when (ex.Kind == ErrorKind.Conflict)
        {
            // Taken (the registry, or a dataset grain the registry had missed and now has again).
            var existing = await Dataset(Names.Normalize(definition.DatasetId)).GetDefinitionAsync();
            if (existing is null) throw;
            return new EnsuredDataset(existing, Created: false);
        }
    }

    /// <inheritdoc />
    public async Task<DatasetDefinition> RenameDatasetAsync(string datasetId, string newDatasetId)
    {
        RequireExists();
        var id = Names.Normalize(datasetId);
        var newId = Names.Normalize(newDatasetId);
        if (!State.Datasets.ContainsKey(id)) throw ApperateException.NotFound($"Dataset '{datasetId}' does not exist");
        var watching = RulesOf(id);
        if (watching.Length > 0)
            throw ApperateException.Conflict($"Dataset '{datasetId}' is watched by {watching.Length} rule{(watching.Length == 1 ? "" : "s")} ({string.Join(", ", watching)}); delete them before renaming it, then create them again with the new name");
        if (id == newId)
        {
            // Only the case changes: same grain, new display id.
            var same = await Dataset(id).GetDefinitionAsync() ?? throw ApperateException.NotFound($"Dataset '{datasetId}' does not exist");
            var recased = same with { DatasetId = newDatasetId, Updated = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
            await Dataset(id).DetachAsync();
            await Dataset(id).AttachAsync(recased);
            State.Datasets[id] = newDatasetId;
            await state.WriteStateAsync();
            return recased;
        }
        if (State.Datasets.TryGetValue(newId, out var taken)) throw ApperateException.Conflict($"Dataset '{taken}' already exists");
        RequireNotView(newId);

        var current = await Dataset(id).GetDefinitionAsync() ?? throw ApperateException.NotFound($"Dataset '{datasetId}' does not exist");
        var renamed = current with { DatasetId = newDatasetId, Updated = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
        // The new grain adopts the same table before the old one lets go, so no write in between has nowhere to go;
        // detaching commits the old grain's pending writes into that shared table.
        await Dataset(newId).AttachAsync(renamed);
        await Dataset(id).DetachAsync();
        State.Datasets.Remove(id);
        State.Datasets[newId] = newDatasetId;
        await state.WriteStateAsync();
        await InvalidateViewsAsync();
        return renamed;
    }

    /// <inheritdoc />
    public async Task DeleteDatasetAsync(string datasetId, bool cascade = false)
    {
        RequireExists();
        var id = Names.Normalize(datasetId);
        if (!State.Datasets.ContainsKey(id)) throw ApperateException.NotFound($"Dataset '{datasetId}' does not exist");
        // Views that read it go first (or it is not deleted): a view never reads a dataset that is gone.
        if (await Dataset(id).GetDefinitionAsync() is { } definition)
            await RemoveViewsAsync(ViewsToDeleteWith(definition.DatasetId, definition.TableName, cascade));
        // Its rules go first: a rule must never watch a dataset that no longer exists (or a new one of the same name).
        foreach (var ruleId in RulesOf(id))
        {
            try
            {
                await GrainFactory.GetGrain<IRuleGrain>(RuleKeys.Grain(this.GetPrimaryKeyString(), ruleId)).DeleteAsync();
            }
            catch (ApperateException ex) when (ex.Kind == ErrorKind.NotFound)
            {
            }
            State.Rules.Remove(ruleId);
        }
        try
        {
            await Dataset(id).DeleteAsync();
        }
        catch (ApperateException ex) when (ex.Kind == ErrorKind.NotFound)
        {
            // Already gone from the grain: finish removing it from the registry.
        }
        State.Datasets.Remove(id);
        await state.WriteStateAsync();
        await InvalidateViewsAsync();
    }

    /// <inheritdoc />
    public Task<CreatedToken> CreateTokenAsync(TokenType type, string? name, Dictionary<string, TokenPermission> permissions)
    {
        RequireExists();
        return AddTokenAsync(type, name, permissions, TokenText.New(type));
    }

    /// <inheritdoc />
    public Task<TokenInfo[]> ListTokensAsync()
    {
        RequireExists();
        return Task.FromResult(State.Tokens.Values.OrderBy(t => t.Created).ThenBy(t => t.TokenId).ToArray());
    }

    /// <inheritdoc />
    public async Task<TokenInfo> RevokeTokenAsync(string tokenId)
    {
        RequireExists();
        if (!State.Tokens.Remove(tokenId, out var info)) throw ApperateException.NotFound($"Token '{tokenId}' does not exist");
        await GrainFactory.GetGrain<ITokenGrain>(info.Hash).ClearAsync();
        await state.WriteStateAsync();
        return info;
    }

    /// <inheritdoc />
    public async Task RegisterJobAsync(string jobId)
    {
        RequireExists();
        State.Jobs.Add(jobId);
        if (State.Jobs.Count > MaxJobs) State.Jobs.RemoveRange(0, State.Jobs.Count - MaxJobs);
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public Task<string[]> ListJobsAsync()
    {
        RequireExists();
        return Task.FromResult(State.Jobs.ToArray());
    }

    /// <inheritdoc />
    public async Task AddConnectorAsync(string name)
    {
        RequireExists();
        if (State.Connectors.TryGetValue(Names.Normalize(name), out var existing) && existing == name) return;
        State.Connectors[Names.Normalize(name)] = name;
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public async Task RemoveConnectorAsync(string name)
    {
        RequireExists();
        if (State.Connectors.Remove(Names.Normalize(name))) await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public Task<string[]> ListConnectorsAsync()
    {
        RequireExists();
        return Task.FromResult(State.Connectors.Values.Order(StringComparer.OrdinalIgnoreCase).ToArray());
    }

    /// <inheritdoc />
    public async Task AddRuleAsync(string ruleId, string datasetId)
    {
        RequireExists();
        if (State.Rules.TryGetValue(ruleId, out var existing) && existing == datasetId) return;
        State.Rules[ruleId] = datasetId;
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public async Task RemoveRuleAsync(string ruleId)
    {
        RequireExists();
        if (State.Rules.Remove(ruleId)) await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public Task<string[]> ListRulesAsync()
    {
        RequireExists();
        return Task.FromResult(State.Rules.Keys.ToArray());
    }

    private string[] RulesOf(string normalizedDatasetId) =>
        [.. State.Rules.Where(r => Names.Normalize(r.Value) == normalizedDatasetId).Select(r => r.Key).Order(StringComparer.Ordinal)];

    private const int MaxJobs = 1_000;

    private async Task<CreatedToken> AddTokenAsync(TokenType type, string? name, Dictionary<string, TokenPermission> permissions, string text)
    {
        var normalized = type == TokenType.Secret
            ? new Dictionary<string, TokenPermission>()
            : new Dictionary<string, TokenPermission>(permissions);
        var info = new TokenInfo(TokenText.NewId(), State.Name!, type, name, normalized,
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), TokenText.Hash(text));
        // Lookup entry first: a token listed in the registry always works.
        await GrainFactory.GetGrain<ITokenGrain>(info.Hash).SetAsync(info);
        State.Tokens[info.TokenId] = info;
        await state.WriteStateAsync();
        return new CreatedToken(info, text);
    }

    private bool HasToken(string hash) => State.Tokens.Values.Any(t => t.Hash == hash);

    private void RequireExists()
    {
        if (State.Name is null) throw ApperateException.NotFound($"Workspace '{this.GetPrimaryKeyString()}' does not exist");
    }

    private IDatasetGrain Dataset(string normalizedId) => GrainFactory.GetGrain<IDatasetGrain>($"{this.GetPrimaryKeyString()}/{normalizedId}");

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {Workspace} created")]
    private partial void LogWorkspaceCreated(string workspace);
}
