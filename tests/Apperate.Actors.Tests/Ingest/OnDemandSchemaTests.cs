using System.Text;
using Apperate.Actors.Datasets;
using Apperate.Actors.Gateway.Ingest;
using Apperate.Actors.Ingest;
using Apperate.Actors.Schema;
using static Apperate.Actors.Tests.Ingest.Support;

namespace Apperate.Actors.Tests.Ingest;

/// <summary>
/// <see cref="OnDemandSchema"/> samples a CSV head with the job's own reader, so the schema it infers accepts
/// the rows it was inferred from.
/// </summary>
[Trait("Category", "Unit")]
public sealed class OnDemandSchemaTests
{
    /// <summary>Infers the schema from <paramref name="body"/> and reads the body against it as the job does.</summary>
    private static async Task<(DatasetSchema Schema, ColumnMapping Mapping, ReadResult Read)> InferAndRead(string body)
    {
        var head = Encoding.UTF8.GetBytes(body);
        var (schema, mapping) = await OnDemandSchema.InferAsync(head, IngestFormat.Csv, CancellationToken.None);
        var read = await Read(head, IngestFormat.Csv, validator: RecordValidator.For(schema, mapping));
        return (schema, mapping, read);
    }

    private static string Types(DatasetSchema schema) => string.Join(",", schema.Properties.Select(p => $"{p.Name}:{p.Type}"));

    [Theory]
    [InlineData("spaces around names and values", "symbol, date , price\nA, 2024-01-02, 1.5\nB,2024-01-03 , 2\n",
        "symbol:String,date:Date,price:Number", 2)]
    [InlineData("a quote inside an unquoted field", "symbol,note,price\nA,5\" tall,1.5\nB,x,2\n", "symbol:String,note:String,price:Number", 2)]
    [InlineData("blank lines before a tab-delimited header", "\n\r\nsymbol\tprice\nA\t1\n\nB\t2\n", "symbol:String,price:Integer", 2)]
    [InlineData("a pipe header with commas in a quoted name", "\"a,b\"|symbol|x\n1|A|2\n", "a,b:Integer,symbol:String,x:Integer", -1)]
    [InlineData("empty fields in a number column", "symbol,price\nA,1.5\nB,\nC, \n", "symbol:String,price:Number", 3)]
    [InlineData("a last row without a line feed", "symbol,price\nA,1", "symbol:String,price:Integer", 1)]
    [InlineData("quoted fields over lines with CRLF", "symbol,note,when\r\n\"A\",\"x\r\ny\",2024-01-02T10:00:00Z\r\nB,\"say \"\"hi\"\"\",2024-01-02 10:00\r\n",
        "symbol:String,note:String,when:DateTime", 2)]
    public async Task The_inferred_schema_accepts_every_row_it_was_inferred_from(string name, string body, string types, int rows)
    {
        if (rows < 0)
        {
            // Not a valid property name: inference and the job's header check both refuse the body up front.
            var failure = await Assert.ThrowsAsync<ApperateException>(() => OnDemandSchema.InferAsync(Encoding.UTF8.GetBytes(body), IngestFormat.Csv, CancellationToken.None));
            Assert.Contains("a,b", failure.Message);
            return;
        }
        var (schema, _, read) = await InferAndRead(body);
        Assert.True(types == Types(schema), $"{name}: {Types(schema)}");
        Assert.Empty(read.Invalid);
        Assert.Equal(rows, read.Valid.Count);
    }

    [Fact]
    public async Task Empty_fields_are_null_for_typing_and_the_values_are_read_as_the_job_reads_them()
    {
        var (schema, mapping, read) = await InferAndRead("symbol,price,note\nA,1.5,\"5\"\" tall\"\nB,,x\n");
        Assert.Equal("symbol:String,price:Number,note:String", Types(schema));
        Assert.Equal("symbol", mapping.Key);
        Assert.Equal(new object?[] { "A", 1.5, "5\" tall" }, read.Valid[0].Values);
        Assert.Equal(new object?[] { "B", null, "x" }, read.Valid[1].Values);
    }

    [Fact]
    public async Task A_key_column_with_empty_fields_is_not_chosen_as_the_key()
    {
        var (_, mapping) = await OnDemandSchema.InferAsync(Encoding.UTF8.GetBytes("symbol,name\n,Apple\nMSFT,Microsoft\n"), IngestFormat.Csv, CancellationToken.None);
        Assert.Equal("name", mapping.Key);
    }

    [Fact]
    public async Task A_row_the_head_ends_inside_does_not_shape_the_schema()
    {
        var body = new StringBuilder("symbol,price\n");
        while (body.Length < OnDemandSchema.HeadBytes - 3) body.Append("A,1\n");
        body.Append("B,not a number\n");
        var head = Encoding.UTF8.GetBytes(body.ToString())[..OnDemandSchema.HeadBytes];
        Assert.EndsWith("B,n", Encoding.UTF8.GetString(head[^3..]));
        var (schema, _) = await OnDemandSchema.InferAsync(head, IngestFormat.Csv, CancellationToken.None);
        Assert.Equal("symbol:String,price:Integer", Types(schema));
    }
}
