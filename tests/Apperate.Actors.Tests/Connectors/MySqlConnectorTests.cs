using System.Text.Json.Nodes;
using Apperate.Actors.Tests.Http;
using Apperate.Actors.Tests.Infrastructure;

namespace Apperate.Actors.Tests.Connectors;

/// <summary>One MariaDB server and one silo process shared by the MYSQL connector tests.</summary>
public sealed class MySqlFixture : IAsyncLifetime
{
    public MariaDbServer Database { get; } = new();

    public SiloProcess Silo { get; } = new();

    public string Diagnostics() => $"silo:{Environment.NewLine}{Silo.Tail()}{Environment.NewLine}mariadbd:{Environment.NewLine}{Database.Tail()}";

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        await Silo.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>The MYSQL connector over HTTP on the real silo, against a real MariaDB server.</summary>
public sealed class MySqlConnectorTests(MySqlFixture fixture) : IClassFixture<MySqlFixture>
{
    private Api Api => fixture.Silo.Api;
    private MariaDbServer Db => fixture.Database;

    private const string TradesTable = """
        CREATE TABLE trades (
          id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
          amount DECIMAL(38,18) NULL,
          traded_at DATETIME(6) NULL,
          volume BIGINT UNSIGNED NULL,
          note VARCHAR(200) NULL,
          qty INT NULL,
          price DOUBLE NULL,
          day DATE NULL
        ) CHARACTER SET utf8mb4
        """;

    private JsonObject Config(string database, string? password = null, int batchSize = 1000, string? cursor = null)
    {
        var config = new JsonObject
        {
            ["host"] = "127.0.0.1",
            ["port"] = Db.Port,
            ["database"] = database,
            ["user"] = Db.User,
            ["password"] = password ?? Db.Password,
            ["pollIntervalMs"] = 100,
            ["batchSize"] = batchSize,
        };
        if (cursor is not null) config["cursorColumn"] = cursor;
        return config;
    }

    private static long[] Ids(JsonArray rows) => rows.Select(r => r!["id"]!.GetValue<long>()).Order().ToArray();

    [Fact]
    public async Task Discovery_lists_the_tables_with_a_primary_key_and_masks_the_password()
    {
        var database = await Db.CreateDatabaseAsync("disc");
        await Db.ExecuteAsync(database, $"""
            {TradesTable};
            CREATE TABLE pairs (base VARCHAR(10) NOT NULL, quote VARCHAR(10) NOT NULL, rate DECIMAL(20,8), PRIMARY KEY (base, quote));
            CREATE TABLE no_key (a INT, b TEXT);
            CREATE VIEW big_trades AS SELECT id, amount FROM trades WHERE amount > 100;
            """);
        var name = ConnectorApi.UniqueName("DISC");
        var body = new JsonObject { ["datasetId"] = Api.UniqueId("MYSQL_DISC"), ["connectorType"] = "MYSQL", ["config"] = Config(database), ["wait"] = true };
        (await Api.Post($"/v1/connectors/connector/{name}", body.ToJsonString())).Expect(201);
        var received = await Api.WaitForStatus(name, "received", fixture.Diagnostics);
        Assert.Equal(["pairs", "trades"], received["streams"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));
        var config = (await Api.Connector(name, displayConfigs: true))["config"]!;
        Assert.Equal("********", config["password"]!.GetValue<string>());
        Assert.Equal(database, config["database"]!.GetValue<string>());

        // A composite primary key becomes key and subkey.
        var dataset = Api.UniqueId("MYSQL_PAIRS");
        (await Api.Put($"/v1/connectors/connector/{name}", new JsonObject { ["datasetId"] = dataset }.ToJsonString())).Expect(200);
        (await Api.Put($"/v1/connectors/connector/{name}", """{"selectedStream":"pairs"}""")).Expect(200);
        var definition = (await Api.Get($"/v1/datasets/{Api.Workspace}/{dataset}")).Expect(200).Json;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"key":"base","subkey":"quote"}"""), definition["columnMapping"]), definition.ToJsonString());
        Assert.Equal("string", definition["schema"]!["properties"]!["rate"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Existing_rows_then_new_rows_arrive_exactly_once_with_exact_values()
    {
        var database = await Db.CreateDatabaseAsync("rows");
        await Db.ExecuteAsync(database, $"""
            {TradesTable};
            INSERT INTO trades (amount, traded_at, volume, note, qty, price, day) VALUES
              (12345678901234567890.123456789012345678, '2024-05-01 12:00:00.123456', 18446744073709551615, 'Zürich 東京 🚀', 7, 1.5, '2024-05-01'),
              (-0.000000000000000001, '1999-12-31 23:59:59.999999', 0, '', -3, -2.25, '1999-12-31'),
              (NULL, NULL, NULL, NULL, NULL, NULL, NULL);
            """);
        var dataset = Api.UniqueId("MYSQL_TRADES");
        var name = ConnectorApi.UniqueName("ROWS");
        // Batches of two: the existing rows take two reads.
        await Api.StartConnector(name, "MYSQL", dataset, Config(database, batchSize: 2), "trades", fixture.Diagnostics);
        var definition = (await Api.Get($"/v1/datasets/{Api.Workspace}/{dataset}")).Expect(200).Json;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"key":"id"}"""), definition["columnMapping"]), definition.ToJsonString());
        var types = definition["schema"]!["properties"]!;
        Assert.Equal("integer", types["id"]!["type"]!.GetValue<string>());
        Assert.Equal("string", types["amount"]!["type"]!.GetValue<string>());
        Assert.Equal("date-time", types["traded_at"]!["format"]!.GetValue<string>());
        Assert.Equal("string", types["volume"]!["type"]!.GetValue<string>());
        Assert.Equal("number", types["price"]!["type"]!.GetValue<string>());
        Assert.Equal("date", types["day"]!["format"]!.GetValue<string>());

        await Api.WaitForRows($"{dataset}?last=100", r => r.Count == 3, "the three existing rows", fixture.Diagnostics);
        await Db.ExecuteAsync(database, "INSERT INTO trades (amount, note) VALUES (1.5, 'new one'); INSERT INTO trades (amount, note) VALUES (2.5, 'new two')");
        var rows = await Api.WaitForRows($"{dataset}?last=100", r => r.Count == 5, "the two new rows", fixture.Diagnostics);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], Ids(rows));
        Assert.Equal(5, await Api.RecordCount(dataset));

        var first = (await Api.Data($"{dataset}/1"))[0]!;
        Assert.Equal("12345678901234567890.123456789012345678", first["amount"]!.GetValue<string>());
        Assert.Equal("2024-05-01T12:00:00.123456Z", first["traded_at"]!.GetValue<string>());
        Assert.Equal("18446744073709551615", first["volume"]!.GetValue<string>());
        Assert.Equal("Zürich 東京 🚀", first["note"]!.GetValue<string>());
        Assert.Equal(7, first["qty"]!.GetValue<long>());
        Assert.Equal(1.5, first["price"]!.GetValue<double>());
        Assert.Equal("2024-05-01", first["day"]!.GetValue<string>());
        var second = (await Api.Data($"{dataset}/2"))[0]!;
        Assert.Equal("-0.000000000000000001", second["amount"]!.GetValue<string>());
        Assert.Equal("1999-12-31T23:59:59.999999Z", second["traded_at"]!.GetValue<string>());
        Assert.Equal("0", second["volume"]!.GetValue<string>());
        Assert.Equal("", second["note"]!.GetValue<string>());
        Assert.Equal(-3, second["qty"]!.GetValue<long>());
        var nulls = (await Api.Data($"{dataset}/3"))[0]!.AsObject();
        foreach (var column in new[] { "amount", "traded_at", "volume", "note", "qty", "price", "day" })
            Assert.True(!nulls.ContainsKey(column) || nulls[column] is null, nulls.ToJsonString());
        Assert.Equal("2.500000000000000000", (await Api.Data($"{dataset}/5"))[0]!["amount"]!.GetValue<string>());
        await Eventually.Until(async () => (await Api.Connector(name))["stats"]!["recordsWritten"]!.GetValue<long>() == 5, ConnectorApi.Soon,
            "the stats to count 5 records");
        (await Api.Put($"/v1/connectors/connector/{name}", """{"status":"stopped"}""")).Expect(200);
    }

    [Fact]
    public async Task A_cursor_column_other_than_the_key_reads_a_snapshot_then_updated_rows()
    {
        var database = await Db.CreateDatabaseAsync("curs");
        await Db.ExecuteAsync(database, """
            CREATE TABLE prices (symbol VARCHAR(10) NOT NULL PRIMARY KEY, price DECIMAL(12,4) NOT NULL, updated_at DATETIME(6) NOT NULL);
            INSERT INTO prices VALUES ('MSFT', 410.5, '2024-05-01 10:00:00'), ('AAPL', 170.25, '2024-05-01 10:00:01'), ('IBM', 180, '2024-05-01 09:00:00');
            """);
        var dataset = Api.UniqueId("MYSQL_PRICES");
        var name = ConnectorApi.UniqueName("CURS");
        await Api.StartConnector(name, "MYSQL", dataset, Config(database, batchSize: 2, cursor: "updated_at"), "prices", fixture.Diagnostics);
        await Api.WaitForRows($"{dataset}?last=100", r => r.Count == 3, "the snapshot's three rows", fixture.Diagnostics);

        await Db.ExecuteAsync(database, "UPDATE prices SET price = 181.75, updated_at = '2024-05-02 10:00:00' WHERE symbol = 'IBM'; INSERT INTO prices VALUES ('NVDA', 900.0001, '2024-05-02 10:00:01')");
        await Api.WaitForRows($"{dataset}?last=100", r => r.Count == 4, "the inserted row", fixture.Diagnostics);
        var ibm = await Api.WaitForRows($"{dataset}/IBM?last=10", r => r.Count == 1 && r[0]!["price"]!.GetValue<string>() == "181.7500", "the updated row to replace its record", fixture.Diagnostics);
        Assert.Equal("2024-05-02T10:00:00.000000Z", ibm[0]!["updated_at"]!.GetValue<string>());
        Assert.Equal("900.0001", (await Api.Data($"{dataset}/NVDA"))[0]!["price"]!.GetValue<string>());
        Assert.Equal(4, await Api.RecordCount(dataset));

        // Far more rows than a batch (2) plus the overlap (16) with one cursor value: polling still moves on.
        await Db.ExecuteAsync(database, "INSERT INTO prices SELECT CONCAT('S', seq), seq, '2024-05-03 00:00:00' FROM seq_1_to_40");
        await Api.WaitForRows($"{dataset}?last=100", r => r.Count == 44, "the forty rows sharing one cursor value", fixture.Diagnostics);
        await Db.ExecuteAsync(database, "UPDATE prices SET price = 1, updated_at = '2024-05-03 00:00:01' WHERE symbol = 'MSFT'");
        await Api.WaitForRows($"{dataset}/MSFT?last=10", r => r.Count == 1 && r[0]!["price"]!.GetValue<string>() == "1.0000", "the row updated after them", fixture.Diagnostics);
        Assert.Equal(44, await Api.RecordCount(dataset));
        Assert.Equal("40.0000", (await Api.Data($"{dataset}/S40"))[0]!["price"]!.GetValue<string>());
        (await Api.Put($"/v1/connectors/connector/{name}", """{"status":"stopped"}""")).Expect(200);
    }

    [Fact]
    public async Task A_running_connector_resumes_from_its_checkpoint_after_a_silo_restart()
    {
        var database = await Db.CreateDatabaseAsync("rest");
        await Db.ExecuteAsync(database, $"{TradesTable}; INSERT INTO trades (note) VALUES ('a'), ('b'), ('c');");
        var dataset = Api.UniqueId("MYSQL_RESTART");
        await using var first = new SiloProcess();
        await first.StartAsync();
        await first.Api.StartConnector("TABLE", "MYSQL", dataset, Config(database), "trades", () => first.Tail());
        await first.Api.WaitForRows($"{dataset}?last=100", r => r.Count == 3, "the three existing rows", () => first.Tail());
        first.Kill();
        await first.WaitForExitAsync(TimeSpan.FromSeconds(30), "after SIGKILL");

        await Db.ExecuteAsync(database, "INSERT INTO trades (note) VALUES ('d'), ('e')");
        await using var second = new SiloProcess(first.DataDirectory, first.Token);
        await second.StartAsync();
        await Db.ExecuteAsync(database, "INSERT INTO trades (note) VALUES ('f')");
        var rows = await second.Api.WaitForRows($"{dataset}?last=100", r => r.Count >= 6, "the six rows", () => second.Tail());
        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], Ids(rows));
        Assert.Equal(["a", "b", "c", "d", "e", "f"], rows.OrderBy(r => r!["id"]!.GetValue<long>()).Select(r => r!["note"]!.GetValue<string>()));
        Assert.Equal(6, await second.Api.RecordCount(dataset));
        var connector = await second.Api.Connector("TABLE");
        Assert.Equal("running", connector["state"]!["status"]!.GetValue<string>());
        (await second.Api.Put("/v1/connectors/connector/TABLE", """{"status":"stopped"}""")).Expect(200);
    }

    [Fact]
    public async Task A_row_that_commits_late_below_rows_already_read_is_still_read_once()
    {
        var database = await Db.CreateDatabaseAsync("late");
        await Db.ExecuteAsync(database, $"{TradesTable}; INSERT INTO trades (note) VALUES ('a');");
        var dataset = Api.UniqueId("MYSQL_LATE");
        var name = ConnectorApi.UniqueName("LATE");
        // Through the async write path (wait:false).
        await Api.StartConnector(name, "MYSQL", dataset, Config(database), "trades", fixture.Diagnostics, wait: false);
        await Api.WaitForRows($"{dataset}?last=100", r => r.Count == 1, "the existing row", fixture.Diagnostics);

        // Id 2 is taken by a transaction that commits only after id 3 is committed and read.
        await using var slow = new MySqlConnector.MySqlConnection(Db.ConnectionString(database));
        await slow.OpenAsync();
        await using var transaction = await slow.BeginTransactionAsync();
        await using (var insert = slow.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO trades (note) VALUES ('late')";
            await insert.ExecuteNonQueryAsync();
        }
        await Db.ExecuteAsync(database, "INSERT INTO trades (note) VALUES ('early')");
        var rows = await Api.WaitForRows($"{dataset}?last=100", r => r.Count == 2, "the row committed first", fixture.Diagnostics);
        Assert.Equal([1L, 3L], Ids(rows));
        await transaction.CommitAsync();

        rows = await Api.WaitForRows($"{dataset}?last=100", r => r.Count == 3, "the row committed late", fixture.Diagnostics);
        Assert.Equal([1L, 2L, 3L], Ids(rows));
        Assert.Equal("late", (await Api.Data($"{dataset}/2"))[0]!["note"]!.GetValue<string>());
        await Db.ExecuteAsync(database, "INSERT INTO trades (note) VALUES ('next')");
        rows = await Api.WaitForRows($"{dataset}?last=100", r => r.Count == 4, "the next row", fixture.Diagnostics);
        Assert.Equal([1L, 2L, 3L, 4L], Ids(rows));
        Assert.Equal(4, await Api.RecordCount(dataset));
        (await Api.Put($"/v1/connectors/connector/{name}", """{"status":"stopped"}""")).Expect(200);
    }

    [Fact]
    public async Task A_lost_database_connection_is_retried_with_backoff_and_reading_goes_on()
    {
        var database = await Db.CreateDatabaseAsync("lost");
        await Db.ExecuteAsync(database, $"{TradesTable}; INSERT INTO trades (note) VALUES ('a'), ('b');");
        var dataset = Api.UniqueId("MYSQL_LOST");
        var name = ConnectorApi.UniqueName("LOST");
        await Api.StartConnector(name, "MYSQL", dataset, Config(database), "trades", fixture.Diagnostics);
        await Api.WaitForRows($"{dataset}?last=100", r => r.Count == 2, "the two existing rows", fixture.Diagnostics);

        await Db.StopAsync();
        JsonObject connector = [];
        try
        {
            await Eventually.Until(async () =>
            {
                connector = await Api.Connector(name);
                return connector["stats"]!["consecutiveFailures"]!.GetValue<int>() >= 1;
            }, ConnectorApi.Soon, "the connector to count a failed read while the database is down");
        }
        finally
        {
            await Db.StartAsync();
        }
        Assert.Equal("running", connector["state"]!["status"]!.GetValue<string>());
        Assert.Contains("cannot read", connector["stats"]!["lastError"]!.GetValue<string>());

        await Db.ExecuteAsync(database, "INSERT INTO trades (note) VALUES ('c')");
        var rows = await Api.WaitForRows($"{dataset}?last=100", r => r.Count == 3, "the row inserted after the database came back", fixture.Diagnostics);
        Assert.Equal([1L, 2L, 3L], Ids(rows));
        Assert.Equal(3, await Api.RecordCount(dataset));
        // A stored batch resets the failure count (saved right after the write).
        await Eventually.Until(async () => (await Api.Connector(name))["stats"]!["consecutiveFailures"]!.GetValue<int>() == 0, ConnectorApi.Soon,
            "the failure count to be reset");
        Assert.Equal("running", (await Api.Connector(name))["state"]!["status"]!.GetValue<string>());
        (await Api.Put($"/v1/connectors/connector/{name}", """{"status":"stopped"}""")).Expect(200);
    }

    [Fact]
    public async Task A_wrong_password_makes_the_connector_errored_naming_the_authentication_failure()
    {
        var database = await Db.CreateDatabaseAsync("auth");
        var name = ConnectorApi.UniqueName("AUTH");
        var body = new JsonObject { ["datasetId"] = Api.UniqueId("MYSQL_AUTH"), ["connectorType"] = "MYSQL", ["config"] = Config(database, password: "not-the-password"), ["wait"] = true };
        (await Api.Post($"/v1/connectors/connector/{name}", body.ToJsonString())).Expect(201);
        var errored = await Api.WaitForStatus(name, "errored", fixture.Diagnostics);
        var error = errored["state"]!["error"]!.GetValue<string>();
        Assert.Contains("authentication failed", error);
        Assert.Contains($"Access denied for user '{Db.User}'", error);
        Assert.DoesNotContain("not-the-password", error);
    }
}
