using System.Globalization;
using System.Text;
using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Gateway.Http;

namespace Apperate.Actors.Gateway.Output;

/// <summary>Writes query results as JSON or CSV straight to the response, record by record.</summary>
public static class RecordOutput
{
    /// <summary>Writes one JSON array of every row of every result, in result and selector order.</summary>
    public static async Task WriteJsonAsync(Stream body, IReadOnlyList<QueryResult> results, bool includeSystem, CancellationToken cancellationToken)
    {
        await using var writer = new Utf8JsonWriter(body, Json.WriterOptions with { SkipValidation = true });
        writer.WriteStartArray();
        foreach (var result in results)
        {
            foreach (var group in result.Groups)
            {
                foreach (var row in group)
                {
                    WriteRecord(writer, result.Properties, row, includeSystem);
                    if (writer.BytesPending > 32 * 1024) await writer.FlushAsync(cancellationToken);
                }
            }
        }
        writer.WriteEndArray();
        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>Writes one record object.</summary>
    public static void WriteRecord(Utf8JsonWriter writer, PropertyDefinition[] properties, StoredRow row, bool includeSystem)
    {
        writer.WriteStartObject();
        RecordJson.WriteProperties(writer, properties, row.Values);
        RecordJson.WriteExtra(writer, row.Extra);
        if (includeSystem)
        {
            writer.WriteStartObject("_systemRecordProperties");
            writer.WriteString("id", row.Id.ToString(CultureInfo.InvariantCulture));
            writer.WriteString("key", row.Key);
            if (row.Subkey.Length > 0) writer.WriteString("subkey", row.Subkey); else writer.WriteNull("subkey");
            writer.WriteNumber("date", row.Date);
            writer.WriteNumber("updated", row.Updated);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes CSV: a header of the union of the results' properties (first appearance order), then one line per row.
    /// With <paramref name="includeSystem"/> the system properties follow as <c>_system_*</c> columns.
    /// </summary>
    public static async Task WriteCsvAsync(Stream body, IReadOnlyList<QueryResult> results, bool includeSystem, CancellationToken cancellationToken)
    {
        var columns = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var result in results)
            foreach (var p in result.Properties)
                if (seen.Add(p.Name)) columns.Add(p.Name);

        await using var writer = new StreamWriter(body, new UTF8Encoding(false), 64 * 1024);
        var line = new StringBuilder();
        for (var i = 0; i < columns.Count; i++)
        {
            if (i > 0) line.Append(',');
            AppendCsv(line, columns[i]);
        }
        if (includeSystem) line.Append(columns.Count > 0 ? "," : "").Append("_system_id,_system_key,_system_subkey,_system_date,_system_updated");
        await writer.WriteLineAsync(line, cancellationToken);

        foreach (var result in results)
        {
            var positions = new int[columns.Count];
            for (var c = 0; c < columns.Count; c++)
                positions[c] = Array.FindIndex(result.Properties, p => string.Equals(p.Name, columns[c], StringComparison.OrdinalIgnoreCase));
            foreach (var group in result.Groups)
            {
                foreach (var row in group)
                {
                    line.Clear();
                    for (var c = 0; c < columns.Count; c++)
                    {
                        if (c > 0) line.Append(',');
                        if (positions[c] >= 0) AppendCsv(line, row.Values[positions[c]]);
                    }
                    if (includeSystem)
                    {
                        if (columns.Count > 0) line.Append(',');
                        line.Append(row.Id.ToString(CultureInfo.InvariantCulture)).Append(',');
                        AppendCsv(line, row.Key);
                        line.Append(',');
                        AppendCsv(line, row.Subkey);
                        line.Append(',').Append(row.Date.ToString(CultureInfo.InvariantCulture))
                            .Append(',').Append(row.Updated.ToString(CultureInfo.InvariantCulture));
                    }
                    await writer.WriteLineAsync(line, cancellationToken);
                }
            }
        }
        await writer.FlushAsync(cancellationToken);
    }

    private static void AppendCsv(StringBuilder line, object? value)
    {
        var text = value switch
        {
            null => "",
            string s => s,
            bool b => b ? "true" : "false",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        if (text.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            line.Append(text);
            return;
        }
        line.Append('"').Append(text.Replace("\"", "\"\"")).Append('"');
    }
}
