using Apperate.Actors.Datasets;
using Apperate.Actors.Schema;

namespace Apperate.Actors.Tests.Schema;

[Trait("Category", "Unit")]
public sealed class SchemaEvolutionTests
{
    private static readonly ColumnMapping Mapping = new("symbol", "leg", "date");

    private static readonly DatasetDefinition Current = new(
        "WS", "quotes", null, null,
        new DatasetSchema(
            [
                new PropertyDefinition("symbol", PropertyType.String),
                new PropertyDefinition("leg", PropertyType.Integer),
                new PropertyDefinition("date", PropertyType.Date),
                new PropertyDefinition("volume", PropertyType.Integer),
                new PropertyDefinition("note", PropertyType.String),
            ],
            ["symbol", "leg", "date", "volume"], false),
        Mapping, 1, 1, 1, "t_1");

    private static DatasetSchema Proposed(
        PropertyType volume = PropertyType.Integer,
        string[]? required = null,
        bool additional = false,
        params PropertyDefinition[] more) =>
        new(
            [
                new PropertyDefinition("symbol", PropertyType.String),
                new PropertyDefinition("leg", PropertyType.Integer),
                new PropertyDefinition("date", PropertyType.Date),
                new PropertyDefinition("volume", volume),
                new PropertyDefinition("note", PropertyType.String),
                .. more,
            ],
            required ?? ["symbol", "leg", "date", "volume"], additional);

    private static string Conflict(DatasetSchema proposed, ColumnMapping? mapping = null)
    {
        var ex = Assert.Throws<ApperateException>(() => SchemaEvolution.Apply(Current, proposed, mapping));
        Assert.Equal(ErrorKind.Conflict, ex.Kind);
        return ex.Message;
    }

    [Fact]
    public void Unchanged_schema_is_returned_as_is()
    {
        var merged = SchemaEvolution.Apply(Current, Proposed(), Mapping);
        Assert.Equal(Current.Schema.Properties, merged.Properties);
        Assert.Equal(Current.Schema.Required, merged.Required);
        Assert.False(merged.AdditionalProperties);
    }

    [Fact]
    public void New_properties_are_appended_in_proposed_order()
    {
        var proposed = new DatasetSchema(
            [
                new PropertyDefinition("added1", PropertyType.Boolean),
                new PropertyDefinition("NOTE", PropertyType.String),
                new PropertyDefinition("volume", PropertyType.Integer),
                new PropertyDefinition("date", PropertyType.Date),
                new PropertyDefinition("leg", PropertyType.Integer),
                new PropertyDefinition("symbol", PropertyType.String),
                new PropertyDefinition("added2", PropertyType.Object),
            ],
            ["symbol", "leg", "date", "volume"], false);
        var merged = SchemaEvolution.Apply(Current, proposed, null);
        Assert.Equal(["symbol", "leg", "date", "volume", "note", "added1", "added2"], merged.Properties.Select(p => p.Name));
        Assert.Equal(PropertyType.Boolean, merged.Properties[5].Type);
        Assert.Equal(PropertyType.Object, merged.Properties[6].Type);
    }

    [Fact]
    public void Integer_may_widen_to_number()
    {
        var merged = SchemaEvolution.Apply(Current, Proposed(volume: PropertyType.Number), null);
        Assert.Equal(new PropertyDefinition("volume", PropertyType.Number), merged.Properties[3]);
    }

    [Fact]
    public void Required_may_be_relaxed_but_index_properties_stay_required()
    {
        var merged = SchemaEvolution.Apply(Current, Proposed(required: []), null);
        Assert.Equal(["symbol", "leg", "date"], merged.Required);

        merged = SchemaEvolution.Apply(Current, Proposed(required: ["VOLUME"]), null);
        Assert.Equal(["symbol", "leg", "date", "volume"], merged.Required);
    }

    [Fact]
    public void Additional_properties_may_be_turned_on_not_off()
    {
        Assert.True(SchemaEvolution.Apply(Current, Proposed(additional: true), null).AdditionalProperties);

        var open = Current with { Schema = Current.Schema with { AdditionalProperties = true } };
        var ex = Assert.Throws<ApperateException>(() => SchemaEvolution.Apply(open, Proposed(additional: false), null));
        Assert.Equal(ErrorKind.Conflict, ex.Kind);
        Assert.Contains("additionalProperties", ex.Message);
    }

    [Fact]
    public void Removing_a_property_is_a_conflict()
    {
        var proposed = Proposed() with { Properties = Proposed().Properties.Where(p => p.Name != "note").ToArray() };
        Assert.Equal("property 'note' cannot be removed: stored records hold it", Conflict(proposed));
    }

    [Theory]
    [InlineData("volume", PropertyType.String, "property 'volume' cannot change type from integer to string: only integer may be widened to number")]
    [InlineData("note", PropertyType.Number, "property 'note' cannot change type from string to number: only integer may be widened to number")]
    [InlineData("date", PropertyType.DateTime, "property 'date' cannot change type from date to date-time: it is an index property")]
    [InlineData("leg", PropertyType.Number, "property 'leg' cannot change type from integer to number: it is an index property")]
    public void Other_type_changes_are_conflicts(string property, PropertyType type, string message)
    {
        var proposed = Proposed() with
        {
            Properties = Proposed().Properties.Select(p => p.Name == property ? p with { Type = type } : p).ToArray(),
        };
        Assert.Equal(message, Conflict(proposed));
    }

    [Fact]
    public void Number_cannot_narrow_to_integer()
    {
        var widened = Current with { Schema = SchemaEvolution.Apply(Current, Proposed(volume: PropertyType.Number), null) };
        var ex = Assert.Throws<ApperateException>(() => SchemaEvolution.Apply(widened, Proposed(volume: PropertyType.Integer), null));
        Assert.Equal("property 'volume' cannot change type from number to integer: only integer may be widened to number", ex.Message);
    }

    [Fact]
    public void Making_a_property_required_is_a_conflict()
    {
        Assert.Equal("property 'note' cannot be made required: stored records may lack it",
            Conflict(Proposed(required: ["symbol", "leg", "date", "volume", "note"])));
        Assert.Equal("property 'added' cannot be made required: stored records may lack it",
            Conflict(Proposed(required: ["symbol", "added"], more: [new PropertyDefinition("added", PropertyType.String)])));
    }

    [Theory]
    [InlineData("ticker", "leg", "date", "columnMapping.key cannot change from 'symbol' to 'ticker': the index of stored records is fixed")]
    [InlineData("symbol", null, "date", "columnMapping.subkey cannot change from 'leg' to none: the index of stored records is fixed")]
    [InlineData("symbol", "leg", "volume", "columnMapping.date cannot change from 'date' to 'volume': the index of stored records is fixed")]
    public void Changing_the_mapping_is_a_conflict(string key, string? subkey, string? date, string message)
    {
        Assert.Equal(message, Conflict(Proposed(), new ColumnMapping(key, subkey, date)));
    }

    [Fact]
    public void The_same_mapping_in_another_case_is_no_change()
    {
        var merged = SchemaEvolution.Apply(Current, Proposed(), new ColumnMapping("SYMBOL", "Leg", "DATE"));
        Assert.Equal(Current.Schema.Properties, merged.Properties);
    }
}
