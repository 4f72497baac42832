namespace Apperate.Actors.Gateway.Http;

/// <summary>Rule and delivery ids in paths and bodies: UUIDs, whatever their case.</summary>
public static class RuleIds
{
    /// <summary>The id in its canonical form (lower case); 404 naming <paramref name="what"/> when it is not a UUID, since no such thing exists.</summary>
    public static string Check(string id, string what = "Rule") =>
        Guid.TryParse(id, out var guid) ? guid.ToString() : throw ApperateException.NotFound($"{what} '{id}' does not exist");
}
