using System.Threading.RateLimiting;
using Apperate.Actors.Gateway.Errors;
using Apperate.Actors.Gateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Apperate.Actors.Gateway.Writes;

/// <summary>
/// Admission control for real-time writes (ASP.NET Core's concurrency limiter): at most <see cref="WriteLimits.Concurrency"/>
/// <c>POST /record</c> requests are in progress at a time; the others wait in line, unread, holding no thread, and past
/// the line's length are refused with 429 and <c>Retry-After</c>. Reads, health checks and everything else never wait
/// here. The default (32 per processor) only guards against overload; a lower bound trades write throughput for read
/// latency under saturating writes (bench/README.md "Reads under write load" has the measured trade).
/// </summary>
public static class WriteAdmission
{
    /// <summary>The rate-limiter policy name of <c>POST /record</c>.</summary>
    public const string Policy = "record-writes";

    /// <summary>Adds the policy; its sizes are <see cref="ApperateOptions.Writes"/> (checked at start).</summary>
    public static IServiceCollection AddWriteAdmission(this IServiceCollection services) =>
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, _) => new ValueTask(ProblemMiddleware.WriteAsync(context.HttpContext, 429,
                "Too many writes are waiting; retry after the time in Retry-After.", [], TimeSpan.FromSeconds(1)));
            options.AddPolicy(Policy, context =>
            {
                var writes = context.RequestServices.GetRequiredService<IOptions<ApperateOptions>>().Value.Writes;
                return RateLimitPartition.GetConcurrencyLimiter(Policy, _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = writes.Concurrency ?? WriteLimits.DefaultConcurrency,
                    QueueLimit = writes.Queue,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                });
            });
        });
}
