using Apperate.Actors.Datasets;

namespace Apperate.Actors.Views;

/// <summary>A view as saved: its SQL and what it was bound to.</summary>
/// <param name="Workspace">The workspace name, as created.</param>
/// <param name="ViewId">The view id, as created (lookups ignore case; datasets and views share one namespace).</param>
/// <param name="Sql">The SQL as the user wrote it.</param>
/// <param name="Title">Optional title.</param>
/// <param name="RequestedMapping">The <c>columnMapping</c> given, or null to pick the index from the sources.</param>
/// <param name="Created">Creation time, epoch ms.</param>
/// <param name="Updated">Last change, epoch ms.</param>
/// <param name="Sources">
/// Each source name of the SQL (upper case) to the table of the dataset it named when the view was saved: datasets are
/// found by identity, so a view keeps reading a renamed dataset. Sources that are views are not in here.
/// </param>
[GenerateSerializer, Alias("apperate.ViewDefinition")]
public sealed record ViewDefinition(
    [property: Id(0)] string Workspace,
    [property: Id(1)] string ViewId,
    [property: Id(2)] string Sql,
    [property: Id(3)] string? Title,
    [property: Id(4)] ColumnMapping? RequestedMapping,
    [property: Id(5)] long Created,
    [property: Id(6)] long Updated,
    [property: Id(7)] Dictionary<string, string> Sources);

/// <summary>A view with what binding it against the catalog gave: its schema and index, or why it is invalid.</summary>
/// <param name="Definition">The saved view.</param>
/// <param name="Properties">Its columns (empty when invalid).</param>
/// <param name="ColumnMapping">Its index (null when invalid).</param>
/// <param name="Datasets">The ids of the datasets it reads, directly or through other views.</param>
/// <param name="Views">The ids of the views it reads, directly or through other views.</param>
/// <param name="Error">Null when valid, else why it cannot be read.</param>
[GenerateSerializer, Alias("apperate.ViewInfo")]
public sealed record ViewInfo(
    [property: Id(0)] ViewDefinition Definition,
    [property: Id(1)] PropertyDefinition[] Properties,
    [property: Id(2)] ColumnMapping? ColumnMapping,
    [property: Id(3)] string[] Datasets,
    [property: Id(4)] string[] Views,
    [property: Id(5)] string? Error)
{
    public bool IsValid => Error is null;
}

/// <summary>What a view's SQL may name in a workspace: its datasets and its saved views.</summary>
[GenerateSerializer, Alias("apperate.ViewCatalogSnapshot")]
public sealed record ViewCatalogSnapshot(
    [property: Id(0)] string Workspace,
    [property: Id(1)] DatasetDefinition[] Datasets,
    [property: Id(2)] ViewDefinition[] Views);
