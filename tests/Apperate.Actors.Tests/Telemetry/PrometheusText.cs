using System.Globalization;
using System.Text.RegularExpressions;

namespace Apperate.Actors.Tests.Telemetry;

/// <summary>One scrape of <c>/metrics</c> in Prometheus' text format, read as a monitoring system reads it.</summary>
public sealed partial class PrometheusText(string text)
{
    public string Text { get; } = text;

    /// <summary>
    /// The sum of the samples of <paramref name="name"/> whose labels include every one of <paramref name="labels"/>
    /// (<c>dataset=X</c>); 0 when there is none, as for a counter that has not moved yet.
    /// </summary>
    public double Value(string name, params string[] labels)
    {
        var sum = 0.0;
        foreach (Match m in Sample().Matches(Text))
        {
            if (m.Groups["name"].Value != name) continue;
            var present = m.Groups["labels"].Value;
            if (!labels.All(l => present.Contains(Label(l), StringComparison.Ordinal))) continue;
            sum += double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return sum;
    }

    private static string Label(string pair)
    {
        var at = pair.IndexOf('=');
        return $"{pair[..at]}=\"{pair[(at + 1)..]}\"";
    }

    // Label values may hold braces (http_route="/v1/record/{workspace}/{datasetId}"): they are quoted, with \" and \\ escaped.
    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?<labels>(?:[^""}]|""(?:[^""\\]|\\.)*"")*)\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
