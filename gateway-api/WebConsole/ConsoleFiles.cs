using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.FileProviders;

namespace Apperate.Actors.Gateway.WebConsole;

/// <summary>
/// The web console at <c>/console</c>: static HTML, CSS and JavaScript compiled into this assembly (nothing to install,
/// the same files in the silo and the standalone gateway). The page signs in with a token and calls the public
/// <c>/v1</c> API like any other client; serving it needs no token.
/// </summary>
public static class ConsoleFiles
{
    /// <summary>Where the console is served.</summary>
    public const string Path = "/console";

    /// <summary>The resources' names: <c>Apperate.Console.&lt;file&gt;</c> (the project file gives them).</summary>
    private const string ResourcePrefix = "Apperate.Console";

    /// <summary>Serves <c>/console/</c> (index.html) and its files; <c>/console</c> redirects to <c>/console/</c>.</summary>
    public static WebApplication UseConsole(this WebApplication app)
    {
        var files = new EmbeddedFileProvider(typeof(ConsoleFiles).Assembly, ResourcePrefix);
        app.Use((context, next) =>
        {
            if (context.Request.Path.Equals(Path, StringComparison.Ordinal) && HttpMethods.IsGet(context.Request.Method))
            {
                context.Response.Redirect(Path + "/" + context.Request.QueryString);
                return Task.CompletedTask;
            }
            return next(context);
        });
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = Path });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = Path,
            // Small files that change with the service: the browser revalidates (ETag) instead of keeping an old copy.
            OnPrepareResponse = ctx => ctx.Context.Response.Headers.CacheControl = "no-cache",
        });
        return app;
    }
}
