using Apperate.Actors.Datasets;
using Apperate.Actors.Logs;
using Apperate.Actors.Telemetry;
using Apperate.Actors.Workspaces;
using Microsoft.Extensions.Logging;

namespace Apperate.Actors.Connectors;

/// <summary>
/// One connector: owns its definition, its state machine, the discovered streams, the checkpoint and the stats, and
/// runs the source while its status is <c>running</c>. Discovery and the reading loop run in the background on this
/// activation's scheduler (the source itself runs on the thread pool), so every state change happens inside the
/// grain, one at a time; state writes are chained so only one is outstanding.
/// </summary>
/// <remarks>
/// A running connector holds a reminder (<see cref="ReminderPeriod"/>): it keeps the activation alive and activates
/// the grain again after a deactivation or a silo restart; activation restarts the reading loop from the checkpoint.
/// </remarks>
public sealed partial class ConnectorGrain(
    [PersistentState("connector", StorageNames.GrainState)] IPersistentState<ConnectorState> state,
    ConnectorSources sources,
    ILogger<ConnectorGrain> logger)
    : Grain, IConnectorGrain, IRemindable
{
    /// <summary>The reminder a running connector holds.</summary>
    public const string ReminderName = "apperate-connector-run";

    /// <summary>How often the reminder ticks (Orleans' minimum).</summary>
    public static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    /// <summary>How long discovery may take before the connector is errored.</summary>
    public static readonly TimeSpan DiscoveryTimeout = TimeSpan.FromSeconds(15);

    private ConnectorState State => state.State;
    private ConnectorDefinition Definition => State.Definition ?? throw ApperateException.NotFound($"Connector '{KeyName}' does not exist");
    private string Name => State.Name ?? KeyName;
    private string KeyName => this.GetPrimaryKeyString().Split('/', 2)[1];
    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private Task _saving = Task.CompletedTask;
    private CancellationTokenSource? _discoveryCancel;
    private Task? _discovery;
    private bool _deactivating;
    private double? _lagSeconds;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Definition is not null)
        {
            if (State.Status == ConnectorStatus.Pending) StartDiscovery();
            else if (State.Status == ConnectorStatus.Running) StartRun(resumed: true);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The status stays running: the reminder or the start-up resume brings the loop back, from the checkpoint.
        _deactivating = true;
        await StopRunAsync();
        if (State.Workspace is not null) ApperateMetrics.SetConnector(State.Workspace, Name, null, null);
        _discoveryCancel?.Cancel();
        if (_discovery is { } discovery) await discovery;
        await _saving;
    }

    /// <inheritdoc />
    public async Task<ConnectorInfo> CreateAsync(string workspace, string name, string definitionJson)
    {
        if (State.Definition is not null) throw ApperateException.Conflict($"Connector '{State.Name}' already exists");
        var definition = ConnectorRequests.ParseCreate(name, definitionJson, sources.Available);
        await GrainFactory.GetGrain<IWorkspaceGrain>(Names.Normalize(workspace)).AddConnectorAsync(name);
        var now = Now;
        state.State = new ConnectorState
        {
            Workspace = workspace,
            Name = name,
            Definition = definition,
            Status = ConnectorStatus.Pending,
            Created = now,
            Updated = now,
            DiscoveryId = Guid.NewGuid().ToString("N"),
        };
        await SaveAsync();
        await LogAsync("info", $"Connector {name} created ({definition.ConnectorType} into dataset {definition.DatasetId}); discovering its streams");
        StartDiscovery();
        return ToInfo();
    }

    /// <inheritdoc />
    public Task<ConnectorInfo?> GetAsync() => Task.FromResult(State.Definition is null ? null : ToInfo());

    /// <inheritdoc />
    public async Task<ConnectorInfo> UpdateAsync(string changeJson)
    {
        var current = Definition;
        var change = ConnectorRequests.ParseChange(current, changeJson);

        if (change.Definition is { } changed && changed != current)
        {
            ConnectorTransitions.CheckChange(Name, State.Status);
            if (changed.ConnectorType != current.ConnectorType || sources.Find(changed.ConnectorType) is null)
                throw ApperateException.Invalid("connectorType", $"{changed.ConnectorType} connectors are not available in this version");
            State.Definition = changed;
            if (changed.ConfigJson != current.ConfigJson)
            {
                State.Status = ConnectorStatus.Pending;
                State.Streams = [];
                State.SelectedStream = null;
                State.Checkpoint = null;
                State.Error = null;
                State.DiscoveryId = Guid.NewGuid().ToString("N");
                Touch();
                await SaveAsync();
                await LogAsync("info", $"Connector {Name} config changed; discovering its streams again");
                StartDiscovery();
            }
            else
            {
                Touch();
                await SaveAsync();
                await LogAsync("info", $"Connector {Name} now writes to dataset {changed.DatasetId} (wait={(changed.Wait ? "true" : "false")})");
            }
        }

        if (change.SelectedStream is { } selected)
        {
            ConnectorTransitions.CheckSelect(Name, State.Status, Array.ConvertAll(State.Streams, s => s.Id), selected);
            var stream = State.Streams.First(s => s.Id == selected);
            // The dataset exists (or is created) with the stream's shape before the connector says it is ready.
            await EnsureDatasetAsync(stream);
            if (State.SelectedStream != selected) State.Checkpoint = null;
            State.SelectedStream = selected;
            State.Status = ConnectorStatus.Ready;
            State.Error = null;
            Touch();
            await SaveAsync();
            await LogAsync("info", $"Connector {Name} is ready: stream {selected} into dataset {Definition.DatasetId}");
        }

        if (change.Status == ConnectorStatus.Running && ConnectorTransitions.CheckStart(Name, State.Status, State.SelectedStream))
        {
            await EnsureDatasetAsync(SelectedStream());
            await this.RegisterOrUpdateReminder(ReminderName, ReminderPeriod, ReminderPeriod);
            State.Status = ConnectorStatus.Running;
            State.ExecId = NewExecId();
            State.Error = null;
            State.Stats = State.Stats with { ConsecutiveFailures = 0 };
            Touch();
            await SaveAsync();
            await LogAsync("info", $"Connector {Name} running (execution {State.ExecId})");
            StartRun(resumed: false);
        }
        else if (change.Status == ConnectorStatus.Stopped && ConnectorTransitions.CheckStop(Name, State.Status))
        {
            await StopRunAsync();
            await UnregisterReminderAsync();
            State.Status = ConnectorStatus.Stopped;
            Touch();
            await SaveAsync();
            await LogAsync("info", $"Connector {Name} stopped after {State.Stats.RecordsWritten} records");
        }

        return ToInfo();
    }

    /// <inheritdoc />
    public async Task DeleteAsync()
    {
        var name = Name;
        var workspace = State.Workspace!;
        _ = Definition;
        await StopRunAsync();
        _discoveryCancel?.Cancel();
        await UnregisterReminderAsync();
        await _saving;
        await state.ClearStateAsync();
        state.State = new ConnectorState();
        ApperateMetrics.SetConnector(workspace, name, null, null);
        await GrainFactory.GetGrain<IWorkspaceGrain>(Names.Normalize(workspace)).RemoveConnectorAsync(name);
        await LogAsync("info", $"Connector {name} deleted", workspace, name);
    }

    /// <inheritdoc />
    public Task ResumeAsync()
    {
        if (State.Definition is not null && State.Status == ConnectorStatus.Running) StartRun(resumed: true);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName) return;
        if (State.Definition is not null && State.Status == ConnectorStatus.Running) StartRun(resumed: true);
        else await UnregisterReminderAsync();
    }

    private void StartDiscovery()
    {
        _discoveryCancel?.Cancel();
        var cancel = new CancellationTokenSource(DiscoveryTimeout);
        _discoveryCancel = cancel;
        _discovery = DiscoverAsync(State.DiscoveryId, Definition, cancel);
    }

    private async Task DiscoverAsync(string? discoveryId, ConnectorDefinition definition, CancellationTokenSource cancel)
    {
        await Task.Yield();
        SourceStream[] streams = [];
        string? error = null;
        try
        {
            var source = sources.Find(definition.ConnectorType) ?? throw new ConnectorSourceException($"{definition.ConnectorType} connectors are not available in this version", fatal: true);
            streams = await Task.Run(() => source.DiscoverAsync(definition.ConfigJson, cancel.Token), cancel.Token);
            if (streams.Length == 0) error = "the source offers no streams";
        }
        catch (OperationCanceledException)
        {
            error = $"the source did not answer within {DiscoveryTimeout.TotalSeconds:0} s";
        }
        catch (ConnectorSourceException ex)
        {
            error = ex.Message;
        }
        catch (Exception ex)
        {
            LogDiscoveryFailed(ex, this.GetPrimaryKeyString());
            error = ex.Message;
        }
        finally
        {
            if (ReferenceEquals(_discoveryCancel, cancel)) { _discoveryCancel = null; _discovery = null; }
            cancel.Dispose();
        }

        // Deleted, given a new config, or deactivating meanwhile: this result is for nobody.
        if (_deactivating || State.Definition is null || State.DiscoveryId != discoveryId || State.Status != ConnectorStatus.Pending) return;
        if (error is null)
        {
            State.Status = ConnectorStatus.Received;
            State.Streams = streams;
        }
        else
        {
            State.Status = ConnectorStatus.Errored;
            State.Error = error;
            State.Stats = State.Stats with { LastError = error };
        }
        Touch();
        await SaveAsync();
        if (error is null) await LogAsync("info", $"Connector {Name} received its streams: {string.Join(", ", streams.Select(s => s.Id))}");
        else await LogAsync("error", $"Connector {Name} errored during discovery: {error}");
    }

    /// <summary>Creates the dataset with the stream's shape when it does not exist; a conflict when it exists with another shape.</summary>
    private async Task EnsureDatasetAsync(SourceStream stream)
    {
        var definition = Definition;
        var wanted = new DatasetDefinition(State.Workspace!, definition.DatasetId, null,
            $"{definition.ConnectorType} stream {stream.Id}, written by connector {Name}", stream.Schema, stream.ColumnMapping, 0, 0, 0, "");
        var (existing, created) = await GrainFactory.GetGrain<IWorkspaceGrain>(Names.Normalize(State.Workspace!)).EnsureDatasetAsync(wanted);
        if (created) await LogAsync("info", $"Connector {Name} created dataset {definition.DatasetId} for stream {stream.Id}");
        if (DatasetFit.Problem(existing, stream) is { } problem)
            throw ApperateException.Conflict($"Dataset '{existing.DatasetId}' cannot take stream {stream.Id} of connector '{Name}': {problem}");
    }

    private SourceStream SelectedStream() =>
        State.Streams.FirstOrDefault(s => s.Id == State.SelectedStream)
        ?? throw ApperateException.Conflict($"Connector '{Name}' is {ConnectorTransitions.Name(State.Status)}: its selected stream is unknown");

    private ConnectorInfo ToInfo()
    {
        var d = Definition;
        var config = System.Text.Json.Nodes.JsonNode.Parse(d.ConfigJson)!.AsObject();
        return new ConnectorInfo(Name, State.Workspace!, d.ConnectorType, d.DatasetId, d.Description, d.Wait, State.Status,
            ConnectorNames.JobId(Name), State.ExecId, State.Error, Array.ConvertAll(State.Streams, s => s.Id), State.SelectedStream,
            State.Created, State.Updated, ConnectorSchemas.MaskSecrets(d.ConnectorType, config).ToJsonString(), State.Stats);
    }

    private string NewExecId()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        var suffix = string.Create(5, Random.Shared, (span, random) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[random.Next(alphabet.Length)];
        });
        var job = ConnectorNames.JobId(Name);
        return $"jobs/{job}/executions/{job}-{suffix}";
    }

    private void Touch() => State.Updated = Now;

    /// <summary>Writes the state; writes are chained so one is outstanding at a time, each storing the state as it is then.</summary>
    private Task SaveAsync()
    {
        ReportGauges();
        var previous = _saving;
        var next = Chain();
        _saving = next;
        return next;

        async Task Chain()
        {
            try { await previous; }
            catch (Exception) { /* reported to whoever awaited it; this write tries again with the current state */ }
            await state.WriteStateAsync();
        }
    }

    /// <summary>The connector's state and lag for <see cref="ApperateMetrics"/> (a deleted connector is forgotten).</summary>
    private void ReportGauges()
    {
        if (State.Workspace is null) return;
        ApperateMetrics.SetConnector(State.Workspace, Name, State.Definition is null ? null : ConnectorTransitions.Name(State.Status),
            State.Status == ConnectorStatus.Running ? _lagSeconds : null);
    }

    private async Task UnregisterReminderAsync()
    {
        if (await this.GetReminder(ReminderName) is { } reminder) await this.UnregisterReminder(reminder);
    }

    private Task LogAsync(string level, string message) => LogAsync(level, message, State.Workspace, Name);

    private async Task LogAsync(string level, string message, string? workspace, string name)
    {
        if (workspace is null) return;
        if (level == "error") LogConnectorError(this.GetPrimaryKeyString(), message);
        else LogConnectorEvent(this.GetPrimaryKeyString(), message);
        try
        {
            await GrainFactory.GetGrain<IWorkspaceLogGrain>(Names.Normalize(workspace)).AppendAsync(new LogEntry(Now, level, "connector", name, message));
        }
        catch (Exception ex)
        {
            LogWorkspaceLogFailed(ex, this.GetPrimaryKeyString());
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connector {Connector}: {Message}")]
    private partial void LogConnectorEvent(string connector, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connector {Connector}: {Message}")]
    private partial void LogConnectorError(string connector, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connector {Connector}: discovery failed unexpectedly")]
    private partial void LogDiscoveryFailed(Exception ex, string connector);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connector {Connector}: could not append to the workspace log")]
    private partial void LogWorkspaceLogFailed(Exception ex, string connector);
}
