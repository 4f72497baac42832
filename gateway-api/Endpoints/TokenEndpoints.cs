using System.Text.Json;
using Apperate.Actors.Gateway.Auth;
using Apperate.Actors.Gateway.Errors;
using Apperate.Actors.Gateway.Http;
using Apperate.Actors.Workspaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Apperate.Actors.Gateway.Endpoints;

/// <summary>
/// <c>/v1/tokens/:workspace</c>: create, list and revoke tokens (secret tokens only); <c>/v1/token</c>: the calling
/// token itself (any token), so a client holding only a token learns its workspace and what it may do.
/// </summary>
public static class TokenEndpoints
{
    public static IEndpointRouteBuilder MapTokenEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/tokens/{workspace}").WithTags("Tokens");
        group.MapPost("", CreateAsync).RequireSecretToken().WithSummary("Create a secret or publishable token; its text is shown only in this response.");
        group.MapGet("", ListAsync).RequireSecretToken().WithSummary("List tokens without their text.");
        group.MapDelete("/{tokenId}", RevokeAsync).RequireSecretToken().WithSummary("Revoke a token at once.");
        app.MapGet("/token", Self).RequireToken().WithTags("Tokens")
            .WithSummary("The calling token: its id, workspace, type, name and permissions (never its text).");
        return app;
    }

    private static async Task CreateAsync(HttpContext context, string workspace, IGrainFactory grains)
    {
        var token = context.Caller();
        using var body = await RequestBody.ReadJsonAsync(context.Request, 64 * 1024, context.RequestAborted);
        var root = body.Root;
        if (root.ValueKind != JsonValueKind.Object) throw ProblemException.BadRequest("body", "must be a JSON object");

        var errors = new List<FieldError>();
        TokenType type = TokenType.Publishable;
        if (!root.TryGetProperty("type", out var typeJson)) errors.Add(new FieldError(null, "type", "is required: \"secret\" or \"publishable\""));
        else if (typeJson.ValueKind == JsonValueKind.String && typeJson.GetString() is "secret") type = TokenType.Secret;
        else if (typeJson.ValueKind == JsonValueKind.String && typeJson.GetString() is "publishable") type = TokenType.Publishable;
        else errors.Add(new FieldError(null, "type", "must be \"secret\" or \"publishable\""));

        string? name = null;
        if (root.TryGetProperty("name", out var nameJson) && nameJson.ValueKind != JsonValueKind.Null)
        {
            if (nameJson.ValueKind != JsonValueKind.String || nameJson.GetString()!.Length > 200) errors.Add(new FieldError(null, "name", "must be a string of at most 200 characters"));
            else name = nameJson.GetString();
        }

        var permissions = new Dictionary<string, TokenPermission>();
        if (root.TryGetProperty("permissions", out var permsJson) && permsJson.ValueKind != JsonValueKind.Null)
        {
            if (permsJson.ValueKind != JsonValueKind.Object) errors.Add(new FieldError(null, "permissions", "must be an object of dataset id to a list of \"read\", \"write\", \"delete\""));
            else
            {
                foreach (var p in permsJson.EnumerateObject())
                {
                    var field = $"permissions.{p.Name}";
                    if (p.Name != "*" && Names.Check(p.Name) is { } bad) { errors.Add(new FieldError(null, field, bad)); continue; }
                    if (p.Value.ValueKind != JsonValueKind.Array) { errors.Add(new FieldError(null, field, "must be a list of \"read\", \"write\", \"delete\"")); continue; }
                    var granted = TokenPermission.None;
                    foreach (var v in p.Value.EnumerateArray())
                    {
                        granted |= (v.ValueKind == JsonValueKind.String ? v.GetString() : null) switch
                        {
                            "read" => TokenPermission.Read,
                            "write" => TokenPermission.Write,
                            "delete" => TokenPermission.Delete,
                            _ => Fail(errors, field, $"unknown permission {v.GetRawText()}; use read, write or delete"),
                        };
                    }
                    permissions[p.Name] = granted;
                }
            }
        }
        if (type == TokenType.Secret && permissions.Count > 0) errors.Add(new FieldError(null, "permissions", "secret tokens may do anything in their workspace; permissions apply to publishable tokens"));
        if (errors.Count > 0) throw new ApperateException(ErrorKind.Invalid, string.Join("; ", errors), errors);

        var created = await grains.GetGrain<IWorkspaceGrain>(Names.Normalize(workspace)).CreateTokenAsync(type, name, permissions);
        await Json.WriteAsync(context.Response, 201, w =>
        {
            w.WriteStartObject();
            w.WriteString("tokenId", created.Info.TokenId);
            w.WriteString("token", created.Token);
            WriteInfoFields(w, created.Info);
            w.WriteEndObject();
        });
    }

    private static async Task ListAsync(HttpContext context, string workspace, IGrainFactory grains)
    {
        var tokens = await grains.GetGrain<IWorkspaceGrain>(Names.Normalize(workspace)).ListTokensAsync();
        await Json.WriteAsync(context.Response, 200, w =>
        {
            w.WriteStartArray();
            foreach (var t in tokens)
            {
                w.WriteStartObject();
                w.WriteString("tokenId", t.TokenId);
                WriteInfoFields(w, t);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    private static Task Self(HttpContext context)
    {
        var token = context.Caller();
        return Json.WriteAsync(context.Response, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("tokenId", token.TokenId);
            w.WriteString("workspace", token.Workspace);
            WriteInfoFields(w, token);
            w.WriteEndObject();
        });
    }

    private static async Task RevokeAsync(HttpContext context, string workspace, string tokenId, TokenAuthenticator auth, IGrainFactory grains)
    {
        var token = context.Caller();
        var revoked = await grains.GetGrain<IWorkspaceGrain>(Names.Normalize(workspace)).RevokeTokenAsync(tokenId);
        auth.Forget(revoked.Hash);
        await Json.SuccessAsync(context.Response, 200, $"token '{tokenId}' has been revoked");
    }

    private static void WriteInfoFields(Utf8JsonWriter w, TokenInfo t)
    {
        w.WriteString("type", t.Type == TokenType.Secret ? "secret" : "publishable");
        if (t.Name is null) w.WriteNull("name"); else w.WriteString("name", t.Name);
        w.WriteStartObject("permissions");
        foreach (var (dataset, p) in t.Permissions.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.WriteStartArray(dataset);
            if (p.HasFlag(TokenPermission.Read)) w.WriteStringValue("read");
            if (p.HasFlag(TokenPermission.Write)) w.WriteStringValue("write");
            if (p.HasFlag(TokenPermission.Delete)) w.WriteStringValue("delete");
            w.WriteEndArray();
        }
        w.WriteEndObject();
        w.WriteNumber("created", t.Created);
    }

    private static TokenPermission Fail(List<FieldError> errors, string field, string reason)
    {
        errors.Add(new FieldError(null, field, reason));
        return TokenPermission.None;
    }
}
