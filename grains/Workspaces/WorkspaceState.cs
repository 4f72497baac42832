namespace Apperate.Actors.Workspaces;

/// <summary>The persisted registry of a workspace.</summary>
[GenerateSerializer, Alias("apperate.WorkspaceState")]
public sealed class WorkspaceState
{
    /// <summary>The name as created; null while the workspace does not exist.</summary>
    [Id(0)] public string? Name { get; set; }

    /// <summary>Upper-case dataset id to the id as created.</summary>
    [Id(1)] public Dictionary<string, string> Datasets { get; set; } = [];

    /// <summary>Token id to token (hash only, never the text).</summary>
    [Id(2)] public Dictionary<string, TokenInfo> Tokens { get; set; } = [];

    /// <summary>Batch-load job ids, oldest first (the newest 1,000).</summary>
    [Id(3)] public List<string> Jobs { get; set; } = [];

    /// <summary>Upper-case connector name to the name as created.</summary>
    [Id(4)] public Dictionary<string, string> Connectors { get; set; } = [];

    /// <summary>Rule id to the id of the dataset it watches (as created).</summary>
    [Id(5)] public Dictionary<string, string> Rules { get; set; } = [];

    /// <summary>Upper-case view id to the saved view.</summary>
    [Id(6)] public Dictionary<string, Views.ViewDefinition> Views { get; set; } = [];
}

/// <summary>The persisted state of a token grain.</summary>
[GenerateSerializer, Alias("apperate.TokenState")]
public sealed class TokenState
{
    [Id(0)] public TokenInfo? Info { get; set; }
}
