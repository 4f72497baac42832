using System.Text.Json;
using Apperate.Actors.Datasets;
using Apperate.Actors.Schema;
using Apperate.Actors.Views;

namespace Apperate.Actors.Gateway.Output;

/// <summary>Writes views in the API's shape.</summary>
public static class ViewOutput
{
    /// <summary>
    /// <c>{viewId,datasetId,type:"view",title,sql,schema,columnMapping,datasets,views,status,error?,date,updated}</c>; an invalid
    /// view has an empty schema, a null columnMapping and the reason in <c>error</c>.
    /// </summary>
    public static void Write(Utf8JsonWriter w, ViewInfo view)
    {
        var d = view.Definition;
        w.WriteStartObject();
        w.WriteString("viewId", d.ViewId);
        // A view counts as a dataset (it is listed and queried as one), so it carries the id under that name too.
        w.WriteString("datasetId", d.ViewId);
        w.WriteString("type", "view");
        if (d.Title is null) w.WriteNull("title"); else w.WriteString("title", d.Title);
        w.WriteString("sql", d.Sql);
        WriteShape(w, view);
        w.WriteString("status", view.IsValid ? "valid" : "invalid");
        if (view.Error is { } error) w.WriteString("error", error);
        w.WriteNumber("date", d.Created);
        w.WriteNumber("updated", d.Updated);
        w.WriteEndObject();
    }

    /// <summary>What <c>POST /views/:workspace/validate</c> answers: <c>{columns:[{name,type}],schema,columnMapping,datasets,views}</c>.</summary>
    public static void WriteValidation(Utf8JsonWriter w, ViewInfo view)
    {
        w.WriteStartObject();
        w.WriteStartArray("columns");
        foreach (var p in view.Properties)
        {
            w.WriteStartObject();
            w.WriteString("name", p.Name);
            w.WriteString("type", SchemaJson.DisplayName(p.Type));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        WriteShape(w, view);
        w.WriteEndObject();
    }

    private static void WriteShape(Utf8JsonWriter w, ViewInfo view)
    {
        w.WritePropertyName("schema");
        SchemaJson.Write(w, new DatasetSchema(view.Properties, [], false));
        if (view.ColumnMapping is { } mapping)
        {
            w.WritePropertyName("columnMapping");
            SchemaJson.WriteColumnMapping(w, mapping);
        }
        else
        {
            w.WriteNull("columnMapping");
        }
        w.WriteStartArray("datasets");
        foreach (var id in view.Datasets) w.WriteStringValue(id);
        w.WriteEndArray();
        w.WriteStartArray("views");
        foreach (var id in view.Views) w.WriteStringValue(id);
        w.WriteEndArray();
    }
}
