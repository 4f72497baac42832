using System.Text.Json.Nodes;
using MySqlConnector;

namespace Apperate.Actors.Connectors.MySql;

/// <summary>The <c>config</c> of a MYSQL connector.</summary>
public sealed record MySqlConfig(string Host, int Port, string Database, string User, string? Password, string? CursorColumn, TimeSpan PollInterval, int BatchSize)
{
    /// <summary>Reads a config already valid against the schema.</summary>
    public static MySqlConfig Parse(string configJson)
    {
        var config = JsonNode.Parse(configJson)!.AsObject();
        string? Text(string name) => config[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        int Int(string name, int fallback) => config[name] is JsonValue v && v.TryGetValue<int>(out var n) ? n : fallback;
        return new MySqlConfig(Text("host")!, Int("port", 3306), Text("database")!, Text("user")!, Text("password"), Text("cursorColumn"),
            TimeSpan.FromMilliseconds(Int("pollIntervalMs", 1000)), Int("batchSize", 1000));
    }

    /// <summary>The connection string: pooled, UTC, no type guessing (CHAR(36) stays text, TINYINT(1) stays a number).</summary>
    public string ConnectionString => new MySqlConnectionStringBuilder
    {
        Server = Host,
        Port = (uint)Port,
        Database = Database,
        UserID = User,
        Password = Password ?? "",
        ConnectionTimeout = 10,
        DefaultCommandTimeout = 60,
        GuidFormat = MySqlGuidFormat.None,
        TreatTinyAsBoolean = false,
        ConvertZeroDateTime = true,
        CharacterSet = "utf8mb4",
    }.ConnectionString;

    /// <summary>Where the database is, for messages (never the password).</summary>
    public string Where => $"{Host}:{Port}/{Database}";
}
