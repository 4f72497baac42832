using System.Diagnostics;
using System.Text;
using Apperate.Actors.Tests.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace Apperate.Actors.Tests.Rules;

/// <summary>
/// A webhook receiver on loopback (Kestrel on 127.0.0.1, a free port) that records every request and answers as the
/// test programs it per path (<see cref="Answer"/>, <see cref="FailNext"/>).
/// </summary>
/// <remarks>
/// Signatures are checked with the <c>StandardWebhooks</c> NuGet package (<see cref="StandardWebhook.Verify"/>), not
/// with our signer, so a test that passes shows a third-party receiver would accept the request. That check includes
/// the library's 5-minute window on <c>webhook-timestamp</c>, as a real receiver's would.
/// </remarks>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private WebApplication _app = null!;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _secrets = [];
    private readonly Dictionary<string, WebhookAnswer> _answers = [];
    private readonly Dictionary<string, int> _failNext = [];
    private readonly Dictionary<string, int> _active = [];
    private readonly Dictionary<string, int> _peak = [];
    private readonly List<ReceivedWebhook> _received = [];
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary><c>http://127.0.0.1:port/</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Starts a receiver that answers 200 to everything until told otherwise.</summary>
    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        (receiver._app, var address) = await LoopbackApp.StartAsync(app => app.Run(receiver.HandleAsync));
        receiver.BaseUrl = new Uri(address + "/");
        return receiver;
    }

    /// <summary>The URL of <paramref name="path"/> (<c>/hooks/a</c>) on this receiver.</summary>
    public Uri Url(string path) => new(BaseUrl, path);

    /// <summary>Requests to <paramref name="path"/> are verified with <paramref name="secret"/>.</summary>
    public void Register(string path, string secret)
    {
        lock (_lock) _secrets[path] = secret;
    }

    /// <summary>Requests to <paramref name="path"/> get <paramref name="answer"/> from now on.</summary>
    public void Answer(string path, WebhookAnswer answer)
    {
        lock (_lock) _answers[path] = answer;
    }

    /// <summary>The next <paramref name="count"/> requests to <paramref name="path"/> get 500; later ones the path's answer again.</summary>
    public void FailNext(string path, int count)
    {
        lock (_lock) _failNext[path] = count;
    }

    /// <summary>The requests to <paramref name="path"/> so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedWebhook> Received(string path)
    {
        lock (_lock) return _received.Where(r => r.Path == path).ToArray();
    }

    /// <summary>Requests to <paramref name="path"/> being handled now (a slow or hanging answer keeps one active).</summary>
    public int Active(string path)
    {
        lock (_lock) return _active.GetValueOrDefault(path);
    }

    /// <summary>The most requests to <paramref name="path"/> that were active at once.</summary>
    public int PeakActive(string path)
    {
        lock (_lock) return _peak.GetValueOrDefault(path);
    }

    /// <summary>
    /// Waits until <paramref name="path"/> has received at least <paramref name="count"/> requests and returns them all;
    /// throws <see cref="TimeoutException"/> saying what it waited for and what came when <paramref name="timeout"/> passes first.
    /// </summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(string path, int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Task arrived;
            lock (_lock)
            {
                var got = _received.Where(r => r.Path == path).ToArray();
                if (got.Length >= count) return got;
                arrived = _arrived.Task;
            }
            var left = timeout - clock.Elapsed;
            try
            {
                if (left <= TimeSpan.Zero) throw new TimeoutException();
                await arrived.WaitAsync(left);
            }
            catch (TimeoutException)
            {
                var got = Received(path);
                var answers = string.Join(", ", got.Select(r => $"{r.WebhookId} (answered {r.AnsweredWith})"));
                throw new TimeoutException(
                    $"Timed out after {timeout.TotalSeconds:0.#} s waiting for {count} webhook request(s) at {path}; got {got.Count}{(got.Count > 0 ? ": " + answers : "")}.");
            }
        }
    }

    /// <summary>
    /// Why a request with these headers and <paramref name="body"/> fails verification under <paramref name="secret"/>
    /// with the StandardWebhooks library, or null when it verifies.
    /// </summary>
    public static string? Verify(string secret, string? webhookId, string? timestamp, string? signature, byte[] body)
    {
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = webhookId,
            ["webhook-timestamp"] = timestamp,
            ["webhook-signature"] = signature,
        };
        try
        {
            new StandardWebhook(secret).Verify(Encoding.UTF8.GetString(body), headers);
            return null;
        }
        catch (Exception ex) when (ex is WebhookVerificationException or FormatException)
        {
            return ex.Message;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var bytes = body.ToArray();
        var request = context.Request;
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);

        WebhookAnswer answer;
        string? secret;
        lock (_lock)
        {
            answer = _answers.GetValueOrDefault(path, WebhookAnswer.Ok);
            if (_failNext.TryGetValue(path, out var failures) && failures > 0)
            {
                _failNext[path] = failures - 1;
                answer = WebhookAnswer.ServerError($"failing on purpose, {failures - 1} more to go");
            }
            secret = _secrets.GetValueOrDefault(path);
        }
        var error = secret is null
            ? $"no secret registered for {path}"
            : Verify(secret, request.Headers["webhook-id"], request.Headers["webhook-timestamp"], request.Headers["webhook-signature"], bytes);
        var received = new ReceivedWebhook(
            path,
            headers.GetValueOrDefault("webhook-id"),
            headers.GetValueOrDefault("webhook-timestamp"),
            headers.GetValueOrDefault("webhook-signature"),
            headers,
            bytes,
            DateTimeOffset.UtcNow,
            error is null,
            error,
            answer.Hang ? 0 : answer.Status);
        lock (_lock)
        {
            _received.Add(received);
            var active = _active[path] = _active.GetValueOrDefault(path) + 1;
            if (active > _peak.GetValueOrDefault(path)) _peak[path] = active;
            _arrived.TrySetResult();
            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            if (answer.Hang) await Task.Delay(Timeout.Infinite, aborted.Token);
            if (answer.Delay > TimeSpan.Zero) await Task.Delay(answer.Delay, aborted.Token);
            context.Response.StatusCode = answer.Status;
            foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>()) context.Response.Headers[name] = value;
            if (answer.Body is not null) await context.Response.WriteAsync(answer.Body, aborted.Token);
        }
        catch (OperationCanceledException)
        {
            // The client gave up (its timeout) or the receiver is stopping.
        }
        finally
        {
            lock (_lock) _active[path]--;
        }
    }
}
