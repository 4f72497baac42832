using System.Text.Json;
using Apperate.Actors.Gateway.Http;
using Apperate.Actors.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Apperate.Actors.Gateway.Errors;

/// <summary>
/// Turns every failure into RFC 9457 problem details: the caller's mistakes into 4xx naming the field at fault,
/// anything unexpected into a 500 that is logged.
/// </summary>
public sealed partial class ProblemMiddleware(RequestDelegate next, ILogger<ProblemMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && Map(ex) is { } problem)
        {
            if (problem.Status >= 500) LogUnexpected(ex, context.Request.Method, context.Request.Path);
            await WriteAsync(context, problem.Status, problem.Detail, problem.Errors, problem.RetryAfter);
        }
    }

    private static (int Status, string Detail, IReadOnlyList<FieldError> Errors, TimeSpan? RetryAfter)? Map(Exception ex) => ex switch
    {
        ProblemException p => (p.Status, p.Message, p.Errors, p.RetryAfter),
        ApperateException a => (StatusOf(a.Kind), a.Message, a.Errors, a.Kind == ErrorKind.Overloaded ? TimeSpan.FromSeconds(1) : null),
        JsonException j => (400, $"malformed JSON: {j.Message}", [new FieldError(null, "body", $"malformed JSON: {j.Message}")], null),
        BadHttpRequestException b => (b.StatusCode, b.Message, [], null),
        OperationCanceledException => null,
        // A silo died or is leaving and the cluster has not caught up yet: try again shortly. A wait=true write that
        // gets this was not acknowledged; sending it again is safe (its key, subkey and date make it land once).
        SiloUnavailableException or OrleansMessageRejectionException or TimeoutException =>
            (503, "The cluster is changing (a silo left or is unreachable); the request may not have completed. Retry after a moment.", [], TimeSpan.FromSeconds(2)),
        _ => (500, "An unexpected error occurred; it has been logged.", [], null),
    };

    public static int StatusOf(ErrorKind kind) => kind switch
    {
        ErrorKind.Invalid => 400,
        ErrorKind.NotFound => 404,
        ErrorKind.Conflict => 409,
        ErrorKind.TooLarge => 413,
        ErrorKind.Overloaded => 429,
        ErrorKind.Forbidden => 403,
        _ => 500,
    };

    /// <summary>Writes a problem-details response.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string detail, IReadOnlyList<FieldError> errors, TimeSpan? retryAfter = null)
    {
        var response = context.Response;
        response.Clear();
        response.StatusCode = status;
        if (status == 429) ApperateMetrics.Throttled.Add(1, new KeyValuePair<string, object?>("path", ThrottledPath(context.Request.Path)));
        response.ContentType = "application/problem+json";
        if (retryAfter is { } wait) response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString();
        await using var writer = new Utf8JsonWriter(response.Body, Json.WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("type", $"https://httpstatuses.io/{status}");
        writer.WriteString("title", TitleOf(status));
        writer.WriteNumber("status", status);
        writer.WriteString("detail", detail);
        writer.WriteString("instance", context.Request.Path);
        if (errors.Count > 0)
        {
            writer.WriteStartArray("errors");
            foreach (var e in errors)
            {
                writer.WriteStartObject();
                if (e.Index is { } index) writer.WriteNumber("index", index);
                if (e.Field is { } field) writer.WriteString("field", field);
                writer.WriteString("reason", e.Reason);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
        await writer.FlushAsync();
    }

    private static string TitleOf(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure in {Method} {Path}")]
    private partial void LogUnexpected(Exception ex, string method, string path);

    /// <summary>The kind of request refused, without workspace or dataset names (a metric tag of few values).</summary>
    private static string ThrottledPath(PathString path)
    {
        var segments = path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries) ?? [];
        return segments.Length >= 2 ? $"/{segments[0]}/{segments[1]}" : path.Value ?? "/";
    }
}
