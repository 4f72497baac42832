using System.Text.Json;
using Apperate.Actors.Common;
using Apperate.Actors.Datasets;

namespace Apperate.Actors.Schema;

/// <summary>Infers a dataset schema from the records of a write, for <c>createDatasetOnDemand</c>.</summary>
/// <remarks>
/// <para><b>Properties</b> are every property seen in any record, in the order first seen; names that differ only
/// in case are one property (spelled as first seen). A name that is not a valid property name (letters, digits
/// and <c>_</c>, at most 64, not starting with <c>_system</c>) rejects the request.</para>
/// <para><b>Types</b> come from the JSON values seen across all records, ignoring nulls:</para>
/// <list type="bullet">
/// <item>strings that all are <c>YYYY-MM-DD</c> → date; all ISO 8601 date-times → date-time; a mix of the two →
/// date-time; any other string → string;</item>
/// <item>numbers all written as plain integers within 64 bits → integer; any number written with a fraction or
/// exponent (<c>5.0</c>, <c>1e3</c>) or beyond 64 bits → number;</item>
/// <item><c>true</c>/<c>false</c> → boolean; objects → object; arrays → array;</item>
/// <item>values of different JSON types, or only nulls → any.</item>
/// </list>
/// <para><b>Key</b>: the first of <c>key</c>, <c>symbol</c>, <c>ticker</c>, <c>id</c>, <c>name</c> (in that order
/// of preference, ignoring case) that is a string or integer and non-null in every record; else the first string
/// property (in property order) that is non-null in every record; else the request is rejected ("create the
/// dataset first").</para>
/// <para><b>Subkey</b>: a string or integer property named <c>subkey</c>, non-null in every record; else none.</para>
/// <para><b>Date</b>: the first of <c>date</c>, <c>timestamp</c>, <c>time</c>, <c>datetime</c>, <c>created</c>,
/// <c>updated</c> (in that order of preference) of type date or date-time and non-null in every record; else the
/// first date or date-time property non-null in every record; else none, and each record's date is its write
/// time. Numbers are never taken as dates.</para>
/// <para><b>Required</b> holds the index properties only; additional properties are not allowed.</para>
/// </remarks>
public static class SchemaInference
{
    private static readonly string[] KeyNames = ["key", "symbol", "ticker", "id", "name"];
    private static readonly string[] DateNames = ["date", "timestamp", "time", "datetime", "created", "updated"];

    /// <summary>Infers the schema and column mapping from a write body (a JSON array of objects or one object).</summary>
    /// <exception cref="ApperateException"><see cref="ErrorKind.Invalid"/>: no records, a record that is not an object, an invalid property name, or no possible key.</exception>
    public static (DatasetSchema Schema, ColumnMapping Mapping) Infer(JsonElement body)
    {
        var properties = new List<Observed>();
        var byName = new Dictionary<string, Observed>(StringComparer.OrdinalIgnoreCase);
        var errors = new List<FieldError>();
        var badNames = new HashSet<string>(StringComparer.Ordinal);
        var records = 0;

        void Observe(JsonElement record, int index)
        {
            if (record.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new FieldError(index, null, "a record must be a JSON object"));
                return;
            }
            foreach (var prop in record.EnumerateObject())
            {
                var name = prop.Name;
                if (!byName.TryGetValue(name, out var p))
                {
                    if (Names.Check(name) is { } reason)
                    {
                        // Each bad name once, at its first record: the user renames it everywhere anyway.
                        if (badNames.Add(name)) errors.Add(new FieldError(index, name, "invalid property name: " + reason));
                        continue;
                    }
                    p = new Observed(name);
                    byName.Add(name, p);
                    properties.Add(p);
                }
                p.See(prop.Value, index);
            }
        }

        if (body.ValueKind == JsonValueKind.Array)
        {
            foreach (var record in body.EnumerateArray()) Observe(record, records++);
            if (records == 0) throw new ApperateException(ErrorKind.Invalid, "no records", [new FieldError(null, null, "no records")]);
        }
        else if (body.ValueKind == JsonValueKind.Object)
        {
            Observe(body, records++);
        }
        else
        {
            throw new ApperateException(ErrorKind.Invalid, "the body must be a JSON array of record objects or one record object",
                [new FieldError(null, null, "the body must be a JSON array of record objects or one record object")]);
        }

        if (errors.Count > 0)
            throw new ApperateException(ErrorKind.Invalid, "cannot infer a schema from the records: " + string.Join("; ", errors), errors);

        var defs = new PropertyDefinition[properties.Count];
        for (var i = 0; i < defs.Length; i++) defs[i] = new PropertyDefinition(properties[i].Name, properties[i].Resolve());

        bool InAll(int i) => properties[i].NonNullRecords == records;
        bool IsKeyType(PropertyType t) => t is PropertyType.String or PropertyType.Integer;
        bool IsDateType(PropertyType t) => t is PropertyType.Date or PropertyType.DateTime;

        var key = ByPreferredName(KeyNames, i => IsKeyType(defs[i].Type) && InAll(i));
        if (key < 0) key = First(i => defs[i].Type == PropertyType.String && InAll(i));
        if (key < 0)
        {
            const string reason = "cannot infer a key property (a string or integer property present in every record); create the dataset first";
            throw new ApperateException(ErrorKind.Invalid, reason, [new FieldError(null, null, reason)]);
        }

        var subkey = ByPreferredName(["subkey"], i => i != key && IsKeyType(defs[i].Type) && InAll(i));

        var date = ByPreferredName(DateNames, i => IsDateType(defs[i].Type) && InAll(i));
        if (date < 0) date = First(i => IsDateType(defs[i].Type) && InAll(i));

        var required = new List<string> { defs[key].Name };
        if (subkey >= 0) required.Add(defs[subkey].Name);
        if (date >= 0) required.Add(defs[date].Name);

        var mapping = new ColumnMapping(defs[key].Name, subkey >= 0 ? defs[subkey].Name : null, date >= 0 ? defs[date].Name : null);
        return (new DatasetSchema(defs, required.ToArray(), false), mapping);

        int ByPreferredName(string[] names, Func<int, bool> fits)
        {
            foreach (var wanted in names)
                for (var i = 0; i < defs.Length; i++)
                    if (string.Equals(defs[i].Name, wanted, StringComparison.OrdinalIgnoreCase) && fits(i)) return i;
            return -1;
        }

        int First(Func<int, bool> fits)
        {
            for (var i = 0; i < defs.Length; i++)
                if (fits(i)) return i;
            return -1;
        }
    }

    /// <summary>What was seen of one property across the records.</summary>
    private sealed class Observed(string name)
    {
        [Flags]
        private enum Seen
        {
            None = 0,
            Date = 1,
            DateTime = 2,
            OtherString = 4,
            Integer = 8,
            Fraction = 16,
            Boolean = 32,
            Object = 64,
            Array = 128,
        }

        private const Seen Strings = Seen.Date | Seen.DateTime | Seen.OtherString;
        private const Seen Numbers = Seen.Integer | Seen.Fraction;

        private Seen _seen;
        private int _lastRecord = -1;

        public string Name { get; } = name;

        /// <summary>Records in which the property holds a non-null value (a record naming it twice counts once).</summary>
        public int NonNullRecords { get; private set; }

        public void See(JsonElement value, int record)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Null:
                    return;
                case JsonValueKind.String:
                    var s = value.GetString()!;
                    _seen |= DateValues.TryParseDate(s, out _) ? Seen.Date
                        : DateValues.TryParseDateTime(s, out _) ? Seen.DateTime
                        : Seen.OtherString;
                    break;
                case JsonValueKind.Number:
                    _seen |= value.TryGetInt64(out _) ? Seen.Integer : Seen.Fraction;
                    break;
                case JsonValueKind.True:
                case JsonValueKind.False:
                    _seen |= Seen.Boolean;
                    break;
                case JsonValueKind.Object:
                    _seen |= Seen.Object;
                    break;
                case JsonValueKind.Array:
                    _seen |= Seen.Array;
                    break;
            }
            if (_lastRecord != record)
            {
                _lastRecord = record;
                NonNullRecords++;
            }
        }

        public PropertyType Resolve()
        {
            if (_seen == Seen.None) return PropertyType.Any;
            if ((_seen & ~Strings) == 0)
            {
                if ((_seen & Seen.OtherString) != 0) return PropertyType.String;
                return (_seen & Seen.DateTime) != 0 ? PropertyType.DateTime : PropertyType.Date;
            }
            if ((_seen & ~Numbers) == 0) return (_seen & Seen.Fraction) != 0 ? PropertyType.Number : PropertyType.Integer;
            return _seen switch
            {
                Seen.Boolean => PropertyType.Boolean,
                Seen.Object => PropertyType.Object,
                Seen.Array => PropertyType.Array,
                _ => PropertyType.Any,
            };
        }
    }
}
