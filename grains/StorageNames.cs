namespace Apperate.Actors;

/// <summary>Provider names shared by the silo configuration and the grains. Identical in every mode.</summary>
public static class StorageNames
{
    /// <summary>The grain-state storage holding dataset, workspace and token metadata (never rows).</summary>
    public const string GrainState = "apperate";
}
