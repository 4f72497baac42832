using System.Threading.RateLimiting;
using Apperate.Actors.Gateway.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Apperate.Actors.Gateway.Writes;

/// <summary>
/// Admission control for real-time writes (ASP.NET Core's concurrency limiter): at most <see cref="ConcurrencyKey"/>
/// <c>POST /record</c> requests are in progress at a time; the others wait in line, unread, holding no thread, and past
/// the line's length are refused with 429 and <c>Retry-After</c>. Reads, health checks and everything else never wait
/// here. The default (32 per processor) only guards against overload; a lower bound trades write throughput for read
/// latency under saturating writes (bench/README.md "Reads under write load" has the measured trade).
/// </summary>
public static class WriteAdmission
{
    /// <summary>The rate-limiter policy name of <c>POST /record</c>.</summary>
    public const string Policy = "record-writes";

    /// <summary>Configuration key: write requests in progress at once (default: 32 per processor).</summary>
    public const string ConcurrencyKey = "Apperate:Writes:Concurrency";

    /// <summary>Configuration key: write requests waiting in line at most (default 10,000).</summary>
    public const string QueueKey = "Apperate:Writes:Queue";

    /// <summary>Adds the policy; its sizes come from configuration.</summary>
    public static IServiceCollection AddWriteAdmission(this IServiceCollection services) =>
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, _) => new ValueTask(ProblemMiddleware.WriteAsync(context.HttpContext, 429,
                "Too many writes are waiting; retry after the time in Retry-After.", [], TimeSpan.FromSeconds(1)));
            options.AddPolicy(Policy, context =>
            {
                var configuration = context.RequestServices.GetRequiredService<IConfiguration>();
                return RateLimitPartition.GetConcurrencyLimiter(Policy, _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = configuration.GetValue(ConcurrencyKey, 32 * Environment.ProcessorCount),
                    QueueLimit = configuration.GetValue(QueueKey, 10_000),
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                });
            });
        });
}
