using Apperate.Actors.Gateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Gateway.Auth;

/// <summary>
/// The token check of the operator endpoints (<c>/metrics</c>, <c>/dashboard</c>): a secret token of the service's own
/// workspace (<see cref="ApperateOptions.Workspace"/>), checked by the same <see cref="TokenAuthenticator"/> as <c>/v1</c>
/// (401 without a valid token, 403 for another workspace's or a publishable one).
/// </summary>
public static class OperatorGuard
{
    /// <summary>The cookie a browser keeps the token in after opening the dashboard with <c>?token=</c>.</summary>
    public const string Cookie = "apperate-operator";

    /// <summary>
    /// Checks every request under <paramref name="path"/>. With <paramref name="rememberInCookie"/> (pages a browser
    /// opens, whose own requests carry no token), a token given as <c>?token=</c> is kept in an HttpOnly, same-site
    /// cookie limited to <paramref name="path"/>, and the cookie is accepted after it.
    /// </summary>
    public static IApplicationBuilder UseOperatorGuard(this IApplicationBuilder app, PathString path, bool rememberInCookie) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(path))
            {
                var cookie = rememberInCookie ? context.Request.Cookies[Cookie] : null;
                await CheckAsync(context, cookie);
                if (rememberInCookie && context.Request.Query.TryGetValue("token", out var token) && !string.IsNullOrEmpty(token[0]) && token[0] != cookie)
                {
                    context.Response.Cookies.Append(Cookie, token[0]!, new CookieOptions
                    {
                        HttpOnly = true,
                        SameSite = SameSiteMode.Strict,
                        Path = path,
                        Secure = context.Request.IsHttps,
                    });
                }
            }
            await next(context);
        });

    /// <summary>Throws the 401/403 problem unless the request carries a secret token of the service's workspace (or <paramref name="fallback"/> is one).</summary>
    public static async Task CheckAsync(HttpContext context, string? fallback = null)
    {
        var services = context.RequestServices;
        var token = await services.GetRequiredService<TokenAuthenticator>().AuthenticateAsync(context, fallback);
        TokenAuthenticator.RequireSecret(token, services.GetRequiredService<IOptions<ApperateOptions>>().Value.Workspace);
    }
}
