using System.Diagnostics;
using System.Globalization;
using Apperate.Actors.Datasets;
using Apperate.Actors.Rules;
using Apperate.Actors.Rules.Engine;

namespace Apperate.Actors.Bench;

/// <summary>
/// <c>--condition-micro</c>: what one compiled rule costs per record, in process (no service, no HTTP, no Orleans).
/// Compiles rules with the product's <see cref="RuleValidator"/> and <see cref="RuleCompiler"/> and times
/// <see cref="CompiledRule.Evaluate"/> over rows as the dataset grain holds them (boxed <see cref="double"/>,
/// <see cref="long"/> and <see cref="string"/> values in schema order), after a warm-up, cycling through 1,024 rows so
/// the outcome is not always the same.
/// </summary>
internal static class ConditionMicro
{
    private const int RowCount = 1024;

    private static readonly DatasetDefinition Trades = new("DEMO", "TRADES", null, null,
        new DatasetSchema(
        [
            new PropertyDefinition("symbol", PropertyType.String),
            new PropertyDefinition("date", PropertyType.DateTime),
            new PropertyDefinition("price", PropertyType.Number),
            new PropertyDefinition("size", PropertyType.Integer),
        ], ["symbol", "date"], false),
        new ColumnMapping("symbol", null, "date"), 0, 0, 1, "t_trades");

    public static int Run(long evaluations)
    {
        var rows = Rows();
        var columns = Array.ConvertAll(Trades.Schema.Properties, p => p.Name);
        Console.WriteLine($"condition micro-benchmark: {evaluations:N0} evaluations per rule after {evaluations / 10:N0} of warm-up, cycling {RowCount:N0} rows");
        Console.WriteLine($"{"rule",-56} {"ns/eval",8} {"passed",8} {"bytes/eval",10}");
        Measure("price > 150", RuleMatch.Any, [Cond("price", ">", "150")], rows, columns, evaluations);
        Measure("all: price > 150, size >= 100, symbol in [5 symbols]", RuleMatch.All,
            [Cond("price", ">", "150"), Cond("size", ">=", "100"), Cond("symbol", "in", """["AAPL","MSFT","GOOG","AMZN","TSLA"]""")], rows, columns, evaluations);
        Measure("date within \"09:30:00 - 16:00:00\" (parses the date)", RuleMatch.Any, [Cond("date", "within", "\"09:30:00 - 16:00:00\"")], rows, columns, evaluations);
        return 0;
    }

    private static RuleCondition Cond(string property, string op, string right) => new(property, op, right);

    private static void Measure(string name, RuleMatch type, RuleCondition[] conditions, object?[][] rows, string[] columns, long evaluations)
    {
        var request = new RuleRequest(null, name, type, ["DEMO:DATASET:TRADES:price"], conditions, [new RuleOutput(null, "logs", 0)], []);
        var context = new RuleValidationContext("DEMO", Guid.NewGuid().ToString(), null, 0,
            id => string.Equals(id, Trades.DatasetId, StringComparison.OrdinalIgnoreCase) ? Trades : null, _ => null, () => "whsec_x", _ => true);
        var rule = RuleCompiler.Compile(RuleValidator.Validate(request, context), Trades);
        var positions = rule.Bind(columns);
        var state = new NoState();

        Loop(rule, rows, positions, state, evaluations / 10);
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var passed = Loop(rule, rows, positions, state, evaluations);
        clock.Stop();
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        var ns = clock.Elapsed.TotalNanoseconds / evaluations;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-56} {ns,8:0.0} {(double)passed / evaluations,8:P0} {(double)allocated / evaluations,10:0.0}"));
    }

    private static long Loop(CompiledRule rule, object?[][] rows, int[] positions, IConditionState state, long evaluations)
    {
        Span<bool> results = stackalloc bool[rule.ConditionCount];
        long passed = 0;
        for (long i = 0; i < evaluations; i++)
            if (rule.Evaluate(rows[i & (RowCount - 1)], positions, state, results)) passed++;
        return passed;
    }

    private static object?[][] Rows()
    {
        string[] symbols = ["AAPL", "MSFT", "GOOG", "AMZN", "TSLA", "NVDA", "META", "IBM"];
        var random = new Random(42);
        var start = new DateTime(2024, 1, 2, 0, 0, 0, DateTimeKind.Utc);
        var rows = new object?[RowCount][];
        for (var i = 0; i < RowCount; i++)
            rows[i] =
            [
                symbols[random.Next(symbols.Length)],
                start.AddSeconds(random.Next(86_400)).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                100 + random.NextDouble() * 100,
                (long)random.Next(200),
            ];
        return rows;
    }

    /// <summary>The rules measured keep no state.</summary>
    private sealed class NoState : IConditionState
    {
        public bool TryGetPrevious(int condition, out double value)
        {
            value = 0;
            return false;
        }

        public void SetPrevious(int condition, double value)
        {
        }
    }
}
