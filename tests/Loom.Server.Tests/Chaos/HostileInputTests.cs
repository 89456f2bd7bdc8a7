using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Testing;
using Xunit.Abstractions;

namespace Loom.Server.Tests.Chaos;

/// <summary>
/// A generated corpus of malformed, oversized, deeply nested, wrong-type and injection-laden requests against every write
/// route (and bodies and bad queries on reads): no answer is 5xx, each is a 4xx (or a 2xx where the request is
/// legitimately accepted without a change), and the stored workflows, versions and a finished run are unchanged afterwards.
/// </summary>
[Collection("server")]
public sealed class HostileInputTests(AzuriteFixture azurite, BackendFixture backend, ITestOutputHelper output)
{
    private const string Snap = "snap";

    [Fact]
    public async Task HostileCorpus_EveryWriteRoute_No5xxAndStoredDataUnchanged()
    {
        await using var server = await LoomTestServer.StartAsync(azurite);
        var yaml = $$$"""
            id: {{{Snap}}}
            schedule: "0 3 * * *"
            params:
              n: 1
            tasks:
              - id: t
                url: {{{backend.BaseUrl}}}/api/tasks/snap?x=${{ params.n }}
            """;
        await server.RegisterAsync(yaml);
        var runId = await server.TriggerAsync(Snap);
        Assert.Equal("succeeded", (await server.WaitForRunAsync(runId))["status"]!.GetValue<string>());
        var before = await SnapshotAsync(server, runId);
        var runsBefore = await RunIdsAsync(server);

        var corpus = Corpus(runId, yaml).ToList();
        Assert.True(corpus.Count >= 200, $"only {corpus.Count} hostile requests");
        var failures = new List<string>();
        var accepted = new List<string>();
        var byStatus = new SortedDictionary<int, int>();
        using var anonymous = new HttpClient { BaseAddress = new Uri(server.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        foreach (var request in corpus)
        {
            using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Path);
            if (request.Body is not null)
            {
                message.Content = new ByteArrayContent(request.Body);
                if (request.ContentType is not null) message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            }
            if (request.Key is not null) message.Headers.TryAddWithoutValidation("x-functions-key", request.Key);
            int status;
            string body;
            try
            {
                using var response = await anonymous.SendAsync(message);
                status = (int)response.StatusCode;
                body = await response.Content.ReadAsStringAsync();
            }
            catch (HttpRequestException ex)
            {
                failures.Add($"{request}: no answer ({ex.Message})");
                continue;
            }
            byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
            var ok = status is >= 400 and < 500 || (request.Allow2xx && status is >= 200 and < 300);
            if (status is >= 200 and < 300 && request.Method == "POST" && JsonNode.Parse(body) is JsonObject answer && answer["runId"] is JsonValue created)
            {
                accepted.Add(created.GetValue<string>());
            }
            if (!ok) failures.Add($"{request}: {status} {Shorten(body)}");
        }
        output.WriteLine($"{corpus.Count} hostile requests; answers by status: {string.Join(", ", byStatus.Select(s => $"{s.Key}: {s.Value}"))}");

        var after = await SnapshotAsync(server, runId);
        var runsAfter = await RunIdsAsync(server);
        Assert.True(failures.Count == 0, $"{failures.Count} unexpected answers:\n{string.Join("\n", failures)}");
        Assert.Equal(before, after);
        // The only new runs are those of the accepted triggers, and they run (a template inside a value stays text:
        // evaluating "${{ secrets.X }}" would fail the task, as no such secret exists).
        Assert.Equal(runsBefore.Concat(accepted).Order(StringComparer.Ordinal), runsAfter);
        foreach (var id in accepted) Assert.Equal("succeeded", (await server.WaitForRunAsync(id))["status"]!.GetValue<string>());
    }

    /// <summary>What must not change: the workflow list, the workflow, its versions and the finished run with its events and attempts.</summary>
    private static async Task<string> SnapshotAsync(LoomTestServer server, string runId)
    {
        var run = Uri.EscapeDataString(runId);
        var parts = new StringBuilder();
        foreach (var path in new[]
        {
            "/api/workflows", $"/api/workflows/{Snap}", $"/api/workflows/{Snap}/versions", $"/api/workflows/{Snap}/versions/1",
            $"/api/runs/{run}", $"/api/runs/{run}/events", $"/api/runs/{run}/tasks/t/attempts",
        })
        {
            var text = await server.Client.GetStringAsync(path);
            parts.Append(path).Append(" => ").Append(Stable(JsonNode.Parse(text))?.ToJsonString()).Append('\n');
        }
        return parts.ToString();
    }

    private static async Task<List<string>> RunIdsAsync(LoomTestServer server) =>
        [.. JsonNode.Parse(await server.Client.GetStringAsync("/api/runs?limit=1000"))!["items"]!.AsArray().Select(r => r!["runId"]!.GetValue<string>()).Order(StringComparer.Ordinal)];

    /// <summary>Drops values that move with the clock alone (next fire times) or with accepted triggers (last run), checked apart.</summary>
    private static JsonNode? Stable(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    if (key.StartsWith("next", StringComparison.OrdinalIgnoreCase) || key == "lastRun") o.Remove(key);
                    else Stable(o[key]);
                }
                return o;
            case JsonArray a:
                foreach (var item in a) Stable(item);
                return a;
            default:
                return node;
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private static IEnumerable<HostileRequest> Corpus(string runId, string snapYaml)
    {
        const string admin = LoomTestServer.AdminKey;
        const string json = "application/json";
        const string yamlType = "application/yaml";
        var run = Uri.EscapeDataString(runId);

        // Ids that must never reach storage as keys or match the stored workflow or run.
        string[] ids =
        [
            "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fadmin", "snap%00", "snap%0d%0aX-Injected%3A%201", "%24where", "%40admin",
            "snap%4020260101T000000Z", "%F0%9F%92%A5", "%C3%BCn%C3%AFc%C3%B8d%C3%A9", new string('a', 1500), "%27%20or%20%271%27%3D%271",
            "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "PartitionKey%20eq%20%27snap%27", "snap%2Fversions", "%25", "snap%23frag", "%20snap",
            "snap%09", "%EF%BF%BD", "%FF%FE", "snap%5C..%5Cx", "*", "%3F", "%2F",
        ];
        string[] runIds =
        [
            "nope", "snap%40x", "..%2F..%2F", "%00", "snap%40m2026", new string('r', 1500), "%27", "%24filter", "snap%4020260101T000000Z",
            "%F0%9F%92%A5", run + "%00", run + "%2F..", "%2A",
        ];

        // Registration: malformed, hostile and oversized workflow sources.
        var bomb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var i = 1; i < 12; i++) bomb.Append($"{(char)('a' + i)}: &{(char)('a' + i)} [*{(char)('a' + i - 1)},*{(char)('a' + i - 1)},*{(char)('a' + i - 1)},*{(char)('a' + i - 1)},*{(char)('a' + i - 1)},*{(char)('a' + i - 1)},*{(char)('a' + i - 1)},*{(char)('a' + i - 1)},*{(char)('a' + i - 1)}]\n");
        string[] sources =
        [
            "", " ", "\t", "---", "...", "null", "~", "[]", "{}", "42", "\"text\"", "- a\n- b", ":", "{", "[", "a: [", "a: {b: c", "id: x\ntasks: [",
            bomb.ToString(),
            "id: bomb\n" + bomb + "tasks:\n  - id: t\n    url: http://127.0.0.1:1/x\n    body: *l\n",
            "id: alias\ntasks: *nope\n",
            "id: merge\n<<: *nope\ntasks: []\n",
            "id: tag\ntasks: !!python/object:os.system [\"rm -rf /\"]\n",
            "id: bin\ntasks: !!binary AAAA\n",
            new string('[', 20000) + new string(']', 20000),
            "id: deep\ntasks:\n  - id: t\n    url: http://127.0.0.1:1/x\n    body: " + new string('[', 5000) + new string(']', 5000) + "\n",
            "id: deepmap\nx:" + string.Concat(Enumerable.Range(0, 3000).Select(i => "\n" + new string(' ', (i % 200) + 1) + "k" + i + ":")),
            "id: \"../../etc/passwd\"\ntasks:\n  - id: t\n    url: http://127.0.0.1:1/x\n",
            "id: \"$where\"\ntasks:\n  - id: t\n    url: http://127.0.0.1:1/x\n",
            "id: \"a@b\"\ntasks:\n  - id: t\n    url: http://127.0.0.1:1/x\n",
            "id: \"ünïcødé\"\ntasks:\n  - id: t\n    url: http://127.0.0.1:1/x\n",
            "id: \"snap\\u0000\"\ntasks:\n  - id: t\n    url: http://127.0.0.1:1/x\n",
            "id: \"a\\nb\"\ntasks:\n  - id: t\n    url: http://127.0.0.1:1/x\n",
            "id: " + new string('x', 5000) + "\ntasks:\n  - id: t\n    url: http://127.0.0.1:1/x\n",
            "id: ok1\ntasks:\n  - id: \"../t\"\n    url: http://127.0.0.1:1/x\n",
            "id: ok2\ntasks:\n  - id: t\n    url: file:///etc/passwd\n",
            "id: ok3\ntasks:\n  - id: t\n    url: javascript:alert(1)\n",
            "id: ok4\ntasks:\n  - id: t\n    url: \"http://127.0.0.1:1/${{ secrets.X }\"\n",
            "id: ok5\ntasks:\n  - id: t\n    url: http://127.0.0.1:1/x\n    retry:\n      maxAttempts: 1e400\n",
            "id: ok6\ntasks:\n  - id: t\n    url: http://127.0.0.1:1/x\n    retry:\n      maxAttempts: 123456789012345678901234567890\n",
            "id: ok7\ntasks:\n  - id: t\n    url: http://127.0.0.1:1/x\n    timeout: -5s\n",
            "id: ok8\ntasks:\n  - id: t\n    url: http://127.0.0.1:1/x\n    dependsOn: t\n",
            "id: ok9\ntasks:\n  - id: t\n    url: http://127.0.0.1:1/x\n    dependsOn: [t]\n",
            "id: ok10\nschedule: \"* * * * * * * *\"\ntasks:\n  - id: t\n    url: http://127.0.0.1:1/x\n",
            "id: ok11\nschedule: { cron: \"0 3 * * *\", timezone: \"../../etc/localtime\" }\ntasks:\n  - id: t\n    url: http://127.0.0.1:1/x\n",
            "id: ok12\ntasks: 5\n",
            "id: [1, 2]\ntasks: []\n",
            "id: ok13\nid: ok14\ntasks: []\n",
            "id: ok15\ntasks:\n  - id: t\n    url: http://127.0.0.1:1/x\n  - id: t\n    url: http://127.0.0.1:1/y\n",
            "id: ok16\r\ntasks:\r\n  - id: t\u0007\r\n    url: http://127.0.0.1:1/x\r\n",
            "{\"id\": 5, \"tasks\": \"x\"}",
            "{\"id\": \"j\", \"tasks\": [{\"id\": null, \"url\": 7}]}",
            "{\"id\": \"j2\", \"tasks\": [{\"id\": \"t\", \"url\": \"http://127.0.0.1:1/x\", \"retry\": {\"maxAttempts\": \"many\"}}]}",
            "{\"id\": \"j3\", \"tasks\": {\"$gt\": \"\"}}",
            "{\"__proto__\": {\"admin\": true}, \"id\": \"j4\"}",
            "\uFEFFid: bom\ntasks: [",
            string.Concat(Enumerable.Repeat("\u0001\u0002\u0003", 100)),
        ];
        foreach (var source in sources)
        {
            yield return new("POST", "/api/workflows", Encoding.UTF8.GetBytes(source), yamlType, admin);
            yield return new("POST", "/api/workflows/validate", Encoding.UTF8.GetBytes(source), yamlType, admin, Allow2xx: true);
        }
        // Unchanged content registers as the same version: a 200 that changes nothing.
        yield return new("POST", "/api/workflows", Encoding.UTF8.GetBytes(snapYaml), yamlType, admin, Allow2xx: true);
        byte[][] rawBodies =
        [
            [0xff, 0xfe, 0xfd, 0x00, 0xc3, 0x28], [0xc3], [0xed, 0xa0, 0x80], Encoding.Unicode.GetBytes("id: utf16\ntasks: []\n"),
            new byte[1024 * 1024 + 1], Encoding.UTF8.GetBytes("id: big\ndescription: \"" + new string('x', 1100 * 1024) + "\"\ntasks: []\n"),
        ];
        foreach (var raw in rawBodies)
        {
            yield return new("POST", "/api/workflows", raw, yamlType, admin);
            yield return new("POST", "/api/workflows/validate", raw, yamlType, admin, Allow2xx: true);
        }
        foreach (var contentType in new[] { "text/html", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/yaml; charset=utf-16", "application/json", "image/png", "x/\u0001", null })
        {
            yield return new("POST", "/api/workflows", Encoding.UTF8.GetBytes("id: ct\ntasks: ["), contentType, admin);
        }
        // Authorization on write routes: no key, a wrong key, a weak role, injection in the key.
        foreach (var key in new string?[] { null, "wrong", "' or 1=1 --", LoomTestServer.ReaderKey, new string('k', 10000) })
        {
            yield return new("POST", "/api/workflows", Encoding.UTF8.GetBytes(snapYaml), yamlType, key);
            yield return new("DELETE", $"/api/workflows/{Snap}", null, null, key);
            yield return new("POST", $"/api/workflows/{Snap}/pause", null, null, key);
            yield return new("POST", $"/api/workflows/{Snap}/runs", Encoding.UTF8.GetBytes("{}"), json, key);
            yield return new("POST", $"/api/runs/{run}/retry", null, null, key);
        }
        yield return new("DELETE", $"/api/workflows/{Snap}", null, null, LoomTestServer.OperatorKey);

        // Id-addressed write routes with hostile ids.
        foreach (var id in ids)
        {
            yield return new("DELETE", $"/api/workflows/{id}", null, null, admin);
            yield return new("POST", $"/api/workflows/{id}/pause", null, null, admin);
            yield return new("POST", $"/api/workflows/{id}/resume", Encoding.UTF8.GetBytes("{\"x\":1}"), json, admin);
            yield return new("POST", $"/api/workflows/{id}/runs", Encoding.UTF8.GetBytes("{\"params\":{}}"), json, admin);
            yield return new("POST", $"/api/workflows/{id}/backfill", Encoding.UTF8.GetBytes("{\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2026-01-02T00:00:00Z\"}"), json, admin);
        }
        foreach (var id in runIds)
        {
            yield return new("POST", $"/api/runs/{id}/cancel", Encoding.UTF8.GetBytes("{\"reason\":\"x\"}"), json, admin);
            yield return new("POST", $"/api/runs/{id}/retry", null, null, admin);
        }
        // The finished run: nothing to cancel, nothing to retry.
        yield return new("POST", $"/api/runs/{run}/cancel", Encoding.UTF8.GetBytes("{\"reason\":\"late\"}"), json, admin);
        yield return new("POST", $"/api/runs/{run}/retry", Encoding.UTF8.GetBytes("{\"tasks\":[\"t\"]}"), json, admin);

        // Trigger, backfill and cancel bodies: broken JSON, wrong types, injection, depth, size.
        string[] jsonBodies =
        [
            "{", "}", "[", "nul", "{\"params\":", "[]", "\"str\"", "123", "true", "null", "{\"params\":\"x\"}", "{\"params\":[]}", "{\"params\":1}",
            "{\"params\":{\"unknown\":1}}", "{\"params\":{\"__proto__\":{}}}", "{\"params\":{\"n\":1,\"N\":2}}",
            "{\"params\":{}, \"params\":{\"n\":2}}", "{'params': {}}", "{\"params\":{\"n\":NaN}}", "{\"params\":{\"n\":Infinity}}",
            "{\"params\":{\"n\":" + new string('[', 10000) + new string(']', 10000) + "}}",
            "{\"params\":{\"n\":\"" + new string('x', 1100 * 1024) + "\"}}",
            // Under the body limit, but a run state holding it would not fit a table row (1 MiB, UTF-16).
            "{\"params\":{\"n\":\"" + new string('x', 700 * 1024) + "\"}}",
            "\uFEFF{\"params\":", "{\"params\":{}}\u0000garbage", "{\"params\":{}} {\"params\":{}}",
        ];
        foreach (var body in jsonBodies)
        {
            yield return new("POST", $"/api/workflows/{Snap}/runs", Encoding.UTF8.GetBytes(body), json, admin);
        }
        // Parameters are untyped JSON values (DESIGN.md section 2): any value for a declared one starts a run, and the value is
        // only ever data (templates in it are not evaluated). These are accepted, and their runs are accounted for.
        foreach (var value in new[] { "\"not-a-number\"", "1e400", "123456789012345678901234567890", "{\"$gt\":\"\"}", "[1,2]", "\"${{ secrets.X }}\"", "\"\\u0000\"" })
        {
            yield return new("POST", $"/api/workflows/{Snap}/runs", Encoding.UTF8.GetBytes($"{{\"params\":{{\"n\":{value}}}}}"), json, admin, Allow2xx: true);
        }
        foreach (var contentType in new[] { "text/plain", "application/xml", "application/x-www-form-urlencoded" })
        {
            yield return new("POST", $"/api/workflows/{Snap}/runs", Encoding.UTF8.GetBytes("params=1&n=2"), contentType, admin);
        }
        string[] backfills =
        [
            "{", "[]", "{\"from\":\"x\",\"to\":\"y\"}", "{\"from\":\"2026-01-02T00:00:00Z\",\"to\":\"1999-01-01T00:00:00Z\"}",
            "{\"from\":\"0001-01-01T00:00:00Z\",\"to\":\"9999-12-31T00:00:00Z\",\"maxConcurrent\":1000000}",
            "{\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2026-01-02T00:00:00Z\",\"maxConcurrent\":-1}",
            "{\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2026-01-02T00:00:00Z\",\"maxConcurrent\":\"x\"}",
            "{\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2026-01-02T00:00:00Z\",\"maxConcurrent\":1e400}",
            "{\"from\":1,\"to\":2}", "{\"from\":null,\"to\":null}", "{\"to\":\"2026-01-02T00:00:00Z\"}", "{\"from\":\"2026-01-01T00:00:00Z\"}",
            "{\"from\":\"2026-13-45T99:99:99Z\",\"to\":\"2026-01-02T00:00:00Z\"}", "{\"from\":\"" + new string('9', 5000) + "\",\"to\":\"x\"}",
            "{\"from\":{\"$gt\":\"\"},\"to\":[]}",
        ];
        foreach (var body in backfills)
        {
            yield return new("POST", $"/api/workflows/{Snap}/backfill", Encoding.UTF8.GetBytes(body), json, admin);
        }
        foreach (var body in new[] { "{", "[]", "{\"reason\":5}", "{\"reason\":\"" + new string('x', 1100 * 1024) + "\"}", "{\"reason\":" + new string('[', 10000) + "}" })
        {
            yield return new("POST", "/api/runs/nope/cancel", Encoding.UTF8.GetBytes(body), json, admin);
            yield return new("POST", $"/api/runs/{run}/cancel", Encoding.UTF8.GetBytes(body), json, admin);
        }

        // Callbacks: forged, truncated, traversal and oversized tokens, with good and bad bodies (anonymous, as backends call).
        string[] tokens =
        [
            "x", "AAAA", new string('A', 43), new string('A', 4000), "..%2F..%2Fapi%2Fworkflows", "%00", "%F0%9F%92%A5", "%24%7Bjndi%3Aldap%3A%2F%2Fx%7D",
            "eyJhbGciOiJub25lIn0.eyJydW4iOiJzbmFwIn0.", Convert.ToBase64String(Encoding.UTF8.GetBytes(runId + "|t|1")).Replace('/', '_').Replace('+', '-'),
            "%27%20or%201%3D1", "a.b.c.d.e",
        ];
        foreach (var token in tokens)
        {
            yield return new("POST", $"/api/callbacks/{token}", Encoding.UTF8.GetBytes("{\"status\":\"SUCCESS\",\"output\":{\"x\":1}}"), json, null);
            yield return new("POST", $"/api/callbacks/{token}", Encoding.UTF8.GetBytes("{\"status\":"), json, null);
        }
        yield return new("POST", "/api/callbacks/x", new byte[1024 * 1024 + 10], json, null);

        // Bodies on GET, bad query values, wrong methods: never a 5xx.
        foreach (var path in new[]
        {
            "/api/workflows", $"/api/workflows/{Snap}", $"/api/runs/{run}", "/api/runs?limit=-1", "/api/runs?limit=abc", "/api/runs?limit=99999999999",
            "/api/runs?status=%3Cscript%3E", "/api/runs?since=garbage", "/api/runs?since=9999-99-99", "/api/runs?continuation=garbage",
            "/api/runs?continuation=%00%FF", "/api/runs?continuation=" + Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"pk\":\"x\"}")),
            "/api/runs?workflowId=%27%20or%20%271%27%3D%271", "/api/runs?workflowId=" + new string('w', 3000), $"/api/workflows/{Snap}/versions/abc",
            $"/api/workflows/{Snap}/versions/-1", $"/api/workflows/{Snap}/versions/99999999999999999999", $"/api/runs/{run}/tasks/..%2F..%2Fx/attempts",
        })
        {
            yield return new("GET", path, Encoding.UTF8.GetBytes("{\"params\":{\"n\":5}}"), json, admin, Allow2xx: true);
        }
        foreach (var method in new[] { "PUT", "PATCH" })
        {
            yield return new(method, $"/api/workflows/{Snap}", Encoding.UTF8.GetBytes(snapYaml), yamlType, admin);
            yield return new(method, $"/api/runs/{run}", Encoding.UTF8.GetBytes("{}"), json, admin);
        }
    }

    private sealed record HostileRequest(string Method, string Path, byte[]? Body, string? ContentType, string? Key, bool Allow2xx = false)
    {
        public override string ToString() =>
            $"{Method} {(Path.Length > 120 ? Path[..120] + "…" : Path)} [{Body?.Length ?? 0} bytes {ContentType}; key {(Key is null ? "none" : Key.Length > 20 ? Key[..20] + "…" : Key)}]" +
            (Body is { Length: > 0 and < 200 } b ? " " + Encoding.UTF8.GetString(b).Replace("\n", "\\n", StringComparison.Ordinal) : "");
    }
}
