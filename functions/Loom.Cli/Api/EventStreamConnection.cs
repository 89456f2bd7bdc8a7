using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Loom.Cli.Api;

/// <summary>An open server-sent event stream of a run's events (<c>GET /api/runs/{runId}/stream</c>).</summary>
public sealed class EventStreamConnection : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    internal EventStreamConnection(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body, Encoding.UTF8);
    }

    /// <summary>True once the server sent its <c>end</c> event: the run is final and every event was sent.</summary>
    public bool Ended { get; private set; }

    /// <summary>The events as they arrive (the same JSON as <c>/events</c> items); ends with the stream or the connection.</summary>
    public async IAsyncEnumerable<JsonObject> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? type = null;
        var data = new StringBuilder();
        while (true)
        {
            string? line;
            try
            {
                line = await _reader.ReadLineAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                yield break; // The connection dropped: the caller resumes from the last event it saw.
            }
            if (line is null) yield break;
            if (line.Length > 0)
            {
                // Comments (keep-alives), ids and retry hints carry nothing the caller needs: the event's JSON has its sequence.
                if (line.StartsWith("event:", StringComparison.Ordinal)) type = line[6..].Trim();
                else if (line.StartsWith("data:", StringComparison.Ordinal)) data.Append(line[5..].TrimStart());
                continue;
            }
            if (type == "end")
            {
                Ended = true;
                yield break;
            }
            if (data.Length > 0 && Parse(data.ToString()) is { } item) yield return item;
            type = null;
            data.Clear();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }

    private static JsonObject? Parse(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
