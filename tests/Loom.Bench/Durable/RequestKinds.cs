using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Loom.Bench.Durable;

/// <summary>
/// Counts Loom's Table requests by kind (method, table, and whether they touch the listing index partition or a run's own
/// partition), so the per-task figure says where each request goes. A batch is classified by its first inner request and
/// counted once, as it is one request on the wire.
/// </summary>
/// <param name="tablePrefix">The prefix of Loom's table names, left out of the kinds.</param>
internal sealed partial class RequestKinds(string tablePrefix) : HttpPipelinePolicy
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    /// <summary>A copy of the counts so far.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_counts, StringComparer.Ordinal);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        return ProcessNextAsync(message, pipeline);
    }

    private void Count(HttpMessage message)
    {
        var request = message.Request;
        var path = Uri.UnescapeDataString(request.Uri.Path);
        string kind;
        if (path.EndsWith("/$batch", StringComparison.Ordinal))
        {
            // The first inner request line of the multipart body names the table and the partition.
            var body = "";
            if (request.Content is { } content)
            {
                using var buffer = new MemoryStream();
                content.WriteTo(buffer, default);
                body = Encoding.UTF8.GetString(buffer.ToArray());
            }
            var inner = InnerRequest().Match(body);
            var rows = InnerRequest().Matches(body).Count;
            kind = inner.Success
                ? $"batch {Describe(inner.Groups["method"].Value, Uri.UnescapeDataString(inner.Groups["path"].Value.Split('?')[0]), body)} ({(rows == 1 ? "1 row" : rows <= 5 ? $"{rows} rows" : "6+ rows")})"
                : "batch ?";
        }
        else
        {
            kind = Describe(request.Method.Method, path, "");
        }
        _counts.AddOrUpdate(kind, 1, (_, n) => n + 1);
    }

    private string Describe(string method, string path, string body)
    {
        var segment = path[(path.LastIndexOf('/') + 1)..];
        var open = segment.IndexOf('(', StringComparison.Ordinal);
        var table = open < 0 ? segment : segment[..open];
        if (table.StartsWith(tablePrefix, StringComparison.Ordinal)) table = table[tablePrefix.Length..];
        var where = "";
        if (table == "runs")
        {
            // The listing index lives in partition "$ix"; everything else in a run's own partition.
            var key = open < 0 ? PartitionInBody().Match(body).Groups["pk"].Value : segment[open..];
            where = key.Contains("$ix", StringComparison.Ordinal) || key.Contains("%24ix", StringComparison.Ordinal) ? " $ix" : " run";
        }
        return $"{method} {table}{where}";
    }

    [GeneratedRegex(@"^(?<method>GET|POST|PUT|MERGE|PATCH|DELETE) (?<path>\S+) HTTP/1\.1", RegexOptions.Multiline)]
    private static partial Regex InnerRequest();

    [GeneratedRegex("\"PartitionKey\"\\s*:\\s*\"(?<pk>[^\"]*)\"")]
    private static partial Regex PartitionInBody();
}
