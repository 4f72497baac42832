using System.Globalization;
using System.Text.Json;
using Apperate.Actors.Gateway.Auth;
using Apperate.Actors.Gateway.Errors;
using Apperate.Actors.Gateway.Http;
using Apperate.Actors.Gateway.Ingest;
using Apperate.Actors.Gateway.Writes;
using Apperate.Actors.Ingest;
using Apperate.Actors.Jobs;
using Apperate.Actors.Logs;
using Apperate.Actors.Workspaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Apperate.Actors.Gateway.Endpoints;

/// <summary>
/// <c>POST /v1/data/:workspace/:id</c> (batch loads), <c>/v1/jobs/:workspace/ingest[/:jobId[/invalid]]</c> and
/// <c>GET /v1/logs/:workspace</c>.
/// </summary>
public static class JobEndpoints
{
    public static IEndpointRouteBuilder MapJobEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/data/{workspace}/{datasetId}", LoadAsync).RequireDatasetToken(TokenPermission.Write).WithTags("Batch loads")
            .WithSummary("Load CSV, a JSON array or NDJSON of any size as an ingestion job (synchronous unless wait=false).");
        var jobs = app.MapGroup("/jobs/{workspace}/ingest").WithTags("Batch loads");
        jobs.MapGet("", ListAsync).RequireSecretToken().WithSummary("List the workspace's ingestion jobs.");
        jobs.MapGet("/{jobId}", GetAsync).RequireWorkspaceToken().WithSummary("Get an ingestion job.");
        jobs.MapGet("/{jobId}/invalid", InvalidAsync).RequireWorkspaceToken().WithSummary("The records a job rejected, with line numbers and reasons (format=csv: the raw lines).");
        jobs.MapDelete("/{jobId}", CancelAsync).RequireWorkspaceToken().WithSummary("Cancel a running job.");
        app.MapGet("/logs/{workspace}", LogsAsync).RequireSecretToken().WithTags("Logs").WithSummary("Workspace log entries of a period (e.g. period=1h).");
        return app;
    }

    private static IIngestJobGrain Job(IGrainFactory grains, string workspace, string jobId) =>
        grains.GetGrain<IIngestJobGrain>($"{Names.Normalize(workspace)}/{jobId}");

    private static async Task LoadAsync(HttpContext context, string workspace, string datasetId,
        IClusterClient client, DatasetCache datasets, IngestRunner runner, IngestSpool spools, BackgroundLoads background)
    {
        var token = context.Caller();
        if (Names.Check(datasetId) is { } bad) throw ProblemException.BadRequest("datasetId", bad);
        var request = context.Request;
        var wait = QueryOptions.Bool(request, "wait", true);
        var createOnDemand = QueryOptions.Bool(request, "createDatasetOnDemand", true);
        var options = new IngestOptions(QueryOptions.Duplicates(request),
            string.IsNullOrEmpty(request.Query["maximumValidationErrors"]) ? null : QueryOptions.Integer(request, "maximumValidationErrors", 0, 0, long.MaxValue),
            QueryOptions.Bool(request, "event", false));

        IngestFormat? format;
        try
        {
            format = IngestFormats.FromContentType(request.ContentType);
        }
        catch (ArgumentException ex)
        {
            throw new ProblemException(415, ex.Message, [new FieldError(null, "Content-Type", ex.Message)]);
        }

        Stream body = request.Body;
        var entry = await datasets.GetAsync(token.Workspace, datasetId);
        if (entry is null)
        {
            if (!createOnDemand) throw ApperateException.NotFound($"Dataset '{datasetId}' does not exist (createDatasetOnDemand=false)");
            var (head, replay) = await OnDemandSchema.PeekAsync(body, context.RequestAborted);
            if (head.Length == 0) throw ProblemException.BadRequest("body", "the request body is empty");
            format ??= IngestFormats.Sniff(head);
            var (schema, mapping) = await OnDemandSchema.InferAsync(head, format.Value, context.RequestAborted);
            entry = await datasets.CreateOnDemandAsync(token.Workspace, datasetId, schema, mapping);
            body = replay;
        }

        var jobId = Guid.NewGuid().ToString("N");
        var job = Job(client, token.Workspace, jobId);
        await job.CreateAsync(entry.Definition.Workspace, entry.Definition.DatasetId);
        var spool = spools.PathFor(jobId);
        JobInfo final;
        if (wait)
        {
            final = await runner.RunAsync(job, entry.Definition, body, spool, format, options, context.RequestAborted);
        }
        else
        {
            // Upload first (the client is waiting for it), answer 202, then run from the spooled copy.
            await using (var file = new FileStream(spool, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                await body.CopyToAsync(file, context.RequestAborted);
            var definition = entry.Definition;
            background.Start(stopping => runner.RunAsync(job, definition, null, spool, format, options, stopping));
            final = (await job.GetAsync())!;
        }

        var jobUrl = $"/v1/jobs/{token.Workspace}/ingest/{jobId}";
        if (final.Status == JobStatus.Failed)
            throw new ApperateException(ErrorKind.Invalid, $"Job {jobId} failed: {final.Error} (see {jobUrl} and {jobUrl}/invalid)");
        var bytes = final.Bytes > 0 ? final.Bytes : new FileInfo(spool) is { Exists: true } f ? f.Length : 0;
        await Json.WriteAsync(context.Response, wait ? 200 : 202, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("success", true);
            w.WriteString("message", wait
                ? $"Data upload of {bytes}B for {entry.Definition.DatasetId} completed, jobId: {jobId} has been created"
                : $"Data upload of {bytes}B for {entry.Definition.DatasetId} accepted, jobId: {jobId} has been created");
            w.WriteString("jobId", jobId);
            w.WriteString("jobUrl", jobUrl);
            w.WriteString("status", StatusName(final.Status));
            w.WriteNumber("received", final.Received);
            w.WriteNumber("ingested", final.Ingested);
            w.WriteNumber("invalid", final.Invalid);
            w.WriteNumber("duplicates", final.Duplicates);
            w.WriteEndObject();
        });
    }

    private static async Task ListAsync(HttpContext context, string workspace, IGrainFactory grains)
    {
        var ids = await grains.GetGrain<IWorkspaceGrain>(Names.Normalize(workspace)).ListJobsAsync();
        var jobs = await Task.WhenAll(ids.Reverse().Select(id => Job(grains, workspace, id).GetAsync()));
        await Json.WriteAsync(context.Response, 200, w =>
        {
            w.WriteStartArray();
            foreach (var job in jobs) if (job is not null) WriteJob(w, job);
            w.WriteEndArray();
        });
    }

    private static async Task GetAsync(HttpContext context, string workspace, string jobId, IGrainFactory grains)
    {
        var job = await RequireJobAsync(context, workspace, jobId, grains);
        await Json.WriteAsync(context.Response, 200, w => WriteJob(w, job));
    }

    private static async Task InvalidAsync(HttpContext context, string workspace, string jobId, IGrainFactory grains)
    {
        await RequireJobAsync(context, workspace, jobId, grains);
        var request = context.Request;
        var offset = (int)QueryOptions.Integer(request, "offset", 0, 0, int.MaxValue);
        var limit = (int)QueryOptions.Integer(request, "limit", 10_000, 1, 100_000);
        var csv = request.Query.TryGetValue("format", out var f) && f[0] is { } fmt && fmt.Equals("csv", StringComparison.OrdinalIgnoreCase);
        var records = await Job(grains, workspace, jobId).GetInvalidAsync(offset, limit);
        if (csv)
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await using var writer = new StreamWriter(context.Response.Body);
            foreach (var r in records) await writer.WriteAsync(r.Raw.EndsWith('\n') ? r.Raw : r.Raw + "\n");
            return;
        }
        await Json.WriteAsync(context.Response, 200, w =>
        {
            w.WriteStartArray();
            foreach (var r in records)
            {
                w.WriteStartObject();
                w.WriteNumber("line", r.Line);
                if (r.Field is null) w.WriteNull("field"); else w.WriteString("field", r.Field);
                w.WriteString("reason", r.Reason);
                w.WriteString("raw", r.Raw);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    private static async Task CancelAsync(HttpContext context, string workspace, string jobId, IGrainFactory grains)
    {
        await RequireJobAsync(context, workspace, jobId, grains);
        var job = await Job(grains, workspace, jobId).CancelAsync();
        await Json.WriteAsync(context.Response, 200, w => WriteJob(w, job));
    }

    private static async Task LogsAsync(HttpContext context, string workspace, IGrainFactory grains)
    {
        var period = context.Request.Query.TryGetValue("period", out var p) && !string.IsNullOrEmpty(p[0]) ? p[0]! : "1h";
        var span = ParsePeriod(period) ?? throw ProblemException.BadRequest("period", $"'{period}' is not a period such as 30s, 15m, 1h, 7d or 2w");
        var limit = (int)QueryOptions.Integer(context.Request, "limit", 10_000, 1, 100_000);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var entries = await grains.GetGrain<IWorkspaceLogGrain>(Names.Normalize(workspace)).QueryAsync(now - (long)span.TotalMilliseconds, now, limit);
        await Json.WriteAsync(context.Response, 200, w =>
        {
            w.WriteStartArray();
            foreach (var e in entries)
            {
                w.WriteStartObject();
                w.WriteNumber("timestamp", e.Timestamp);
                w.WriteString("level", e.Level);
                w.WriteString("source", e.Source);
                if (e.SourceId is null) w.WriteNull("sourceId"); else w.WriteString("sourceId", e.SourceId);
                w.WriteString("message", e.Message);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    /// <summary><c>Ns</c>, <c>Nm</c> (minutes), <c>Nh</c>, <c>Nd</c>, <c>Nw</c>.</summary>
    internal static TimeSpan? ParsePeriod(string period)
    {
        if (period.Length < 2 || !int.TryParse(period.AsSpan(0, period.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0) return null;
        return char.ToLowerInvariant(period[^1]) switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            'w' => TimeSpan.FromDays(7.0 * n),
            _ => null,
        };
    }

    private static async Task<JobInfo> RequireJobAsync(HttpContext context, string workspace, string jobId, IGrainFactory grains)
    {
        var token = context.Caller();
        if (jobId.Length != 32 || !jobId.All(char.IsAsciiHexDigitLower)) throw ApperateException.NotFound($"Job '{jobId}' does not exist");
        var job = await Job(grains, workspace, jobId).GetAsync() ?? throw ApperateException.NotFound($"Job '{jobId}' does not exist");
        TokenAuthenticator.Authorize(token, workspace, job.DatasetId, TokenPermission.Write);
        return job;
    }

    private static void WriteJob(Utf8JsonWriter w, JobInfo job)
    {
        w.WriteStartObject();
        w.WriteString("jobId", job.JobId);
        w.WriteString("datasetId", job.DatasetId);
        w.WriteString("status", StatusName(job.Status));
        w.WriteNumber("received", job.Received);
        w.WriteNumber("ingested", job.Ingested);
        w.WriteNumber("invalid", job.Invalid);
        w.WriteNumber("duplicates", job.Duplicates);
        w.WriteNumber("progress", job.Progress);
        w.WriteNumber("bytes", job.Bytes);
        w.WriteNumber("created", job.Created);
        if (job.Started is { } s) w.WriteNumber("started", s); else w.WriteNull("started");
        if (job.Finished is { } f) w.WriteNumber("finished", f); else w.WriteNull("finished");
        if (job.Error is null) w.WriteNull("error"); else w.WriteString("error", job.Error);
        w.WriteEndObject();
    }

    private static string StatusName(JobStatus status) => status.ToString().ToLowerInvariant();

}
