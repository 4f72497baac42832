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

    /// <summary>The first rule measured: one numeric comparison.</summary>
    public const string PriceRule = "price > 150";

    /// <summary>The second: three conditions that must all pass.</summary>
    public const string AllRule = "all: price > 150, size >= 100, symbol in [5 symbols]";

    /// <summary>The third: a time-of-day window over the stored date-time text.</summary>
    public const string WithinRule = "date within \"09:30:00 - 16:00:00\" (parses the date)";

    /// <summary>What one rule cost.</summary>
    /// <param name="Rule">The rule, as text.</param>
    /// <param name="NsPerEvaluation">Wall-clock nanoseconds per <see cref="CompiledRule.Evaluate"/>.</param>
    /// <param name="Passed">The share of evaluations that passed.</param>
    /// <param name="BytesPerEvaluation">Bytes allocated per evaluation.</param>
    /// <param name="Evaluations">How many were timed (after a tenth as many of warm-up).</param>
    public sealed record Result(string Rule, double NsPerEvaluation, double Passed, double BytesPerEvaluation, long Evaluations);

    /// <summary><c>--condition-micro</c>: measures and prints.</summary>
    public static int Run(long evaluations)
    {
        Console.WriteLine($"condition micro-benchmark: {evaluations:N0} evaluations per rule after {evaluations / 10:N0} of warm-up, cycling {RowCount:N0} rows");
        Console.WriteLine($"{"rule",-56} {"ns/eval",8} {"passed",8} {"bytes/eval",10}");
        _ = Measure(evaluations, r => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Rule,-56} {r.NsPerEvaluation,8:0.0} {r.Passed,8:P0} {r.BytesPerEvaluation,10:0.0}")));
        return 0;
    }

    /// <summary>Times the three rules (<see cref="PriceRule"/>, <see cref="AllRule"/>, <see cref="WithinRule"/>) in turn on this thread.</summary>
    public static IReadOnlyList<Result> Measure(long evaluations, Action<Result>? measured = null)
    {
        var rows = Rows();
        var columns = Array.ConvertAll(Trades.Schema.Properties, p => p.Name);
        var results = new List<Result>
        {
            Measure(PriceRule, RuleMatch.Any, [Cond("price", ">", "150")], rows, columns, evaluations),
        };
        measured?.Invoke(results[^1]);
        results.Add(Measure(AllRule, RuleMatch.All,
            [Cond("price", ">", "150"), Cond("size", ">=", "100"), Cond("symbol", "in", """["AAPL","MSFT","GOOG","AMZN","TSLA"]""")], rows, columns, evaluations));
        measured?.Invoke(results[^1]);
        results.Add(Measure(WithinRule, RuleMatch.Any, [Cond("date", "within", "\"09:30:00 - 16:00:00\"")], rows, columns, evaluations));
        measured?.Invoke(results[^1]);
        return results;
    }

    private static RuleCondition Cond(string property, string op, string right) => new(property, op, right);

    private static Result Measure(string name, RuleMatch type, RuleCondition[] conditions, object?[][] rows, string[] columns, long evaluations)
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
        return new Result(name, clock.Elapsed.TotalNanoseconds / evaluations, (double)passed / evaluations, (double)allocated / evaluations, evaluations);
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
