using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Schema;

namespace Apperate.Actors.Gateway.Output;

/// <summary>Writes dataset definitions in the API's shape.</summary>
public static class DatasetOutput
{
    /// <summary><c>{datasetId,title,description,schema,columnMapping,date,updated[,records]}</c>.</summary>
    public static void Write(Utf8JsonWriter w, DatasetDefinition d, long? records)
    {
        w.WriteStartObject();
        w.WriteString("datasetId", d.DatasetId);
        if (d.Title is null) w.WriteNull("title"); else w.WriteString("title", d.Title);
        if (d.Description is null) w.WriteNull("description"); else w.WriteString("description", d.Description);
        w.WritePropertyName("schema");
        SchemaJson.Write(w, d.Schema);
        w.WritePropertyName("columnMapping");
        SchemaJson.WriteColumnMapping(w, d.ColumnMapping);
        w.WriteNumber("date", d.Created);
        w.WriteNumber("updated", d.Updated);
        if (records is { } n) w.WriteNumber("records", n);
        w.WriteEndObject();
    }
}
