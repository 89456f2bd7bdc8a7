using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Loom.Storage.Connection;

namespace Loom.Storage.Tables;

/// <summary>Operations on one table over the Table REST API (JSON): entities, queries with continuation, and entity group transactions.</summary>
public sealed partial class TableClient : ITableClient
{
    /// <summary>Most operations one entity group transaction may hold.</summary>
    public const int MaxTransactionActions = 100;

    private const string JsonAccept = "application/json;odata=minimalmetadata";
    private readonly HttpPipeline _pipeline;
    private readonly Uri _endpoint;
    private readonly string _version;

    internal TableClient(HttpPipeline pipeline, Uri endpoint, string name, string version)
    {
        if (!TableNamePattern().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a valid table name: 3-63 letters and digits, starting with a letter.", nameof(name));
        }

        _pipeline = pipeline;
        _endpoint = endpoint;
        _version = version;
        Name = name;
    }

    /// <summary>The table's name.</summary>
    public string Name { get; }

    /// <summary>Creates the table; false when it already existed.</summary>
    public async Task<bool> CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = NewMessage(RequestMethod.Post, "/Tables");
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        SetJson(message, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["TableName"] = Name }));
        try
        {
            await StorageErrors.SendAsync(_pipeline, message, StorageService.Table, $"Create table {Name}", cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.Conflict)
        {
            return false;
        }
    }

    /// <summary>Deletes the table; false when it did not exist.</summary>
    public async Task<bool> DeleteIfExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = NewMessage(RequestMethod.Delete, $"/Tables('{TableJson.KeyLiteral(Name)}')");
        try
        {
            await StorageErrors.SendAsync(_pipeline, message, StorageService.Table, $"Delete table {Name}", cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (StorageException e) when (e.Kind is StorageErrorKind.TableNotFound or StorageErrorKind.EntityNotFound)
        {
            return false;
        }
    }

    /// <summary>One entity, or null when it does not exist (a missing table throws <see cref="StorageErrorKind.TableNotFound"/>).</summary>
    public async Task<TableEntity?> GetEntityAsync(string partitionKey, string rowKey, IReadOnlyList<string>? select = null, CancellationToken cancellationToken = default)
    {
        using var message = NewMessage(RequestMethod.Get, EntityPath(partitionKey, rowKey));
        if (select is { Count: > 0 })
        {
            message.Request.Uri.AppendQuery("$select", string.Join(',', select));
        }

        try
        {
            var response = await StorageErrors.SendAsync(_pipeline, message, StorageService.Table, $"Get entity from {Name}", cancellationToken).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(response.Content.ToMemory());
            var entity = TableJson.Deserialize(doc.RootElement);
            if (response.Headers.ETag is { } etag)
            {
                entity.ETag = etag.ToString();
            }

            return entity;
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.EntityNotFound)
        {
            return null;
        }
    }

    /// <summary>Inserts a new entity and returns its ETag; <see cref="StorageErrorKind.Conflict"/> when it exists.</summary>
    public async Task<string> AddEntityAsync(TableEntity entity, CancellationToken cancellationToken = default)
    {
        TableJson.EnsureWithinLimits(entity);
        using var message = NewMessage(RequestMethod.Post, "/" + Name);
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        SetJson(message, TableJson.Serialize(entity));
        var response = await StorageErrors.SendAsync(_pipeline, message, StorageService.Table, $"Insert into {Name}", cancellationToken).ConfigureAwait(false);
        return ETagOf(response);
    }

    /// <summary>Inserts or replaces/merges an entity regardless of what is stored; returns the new ETag.</summary>
    public Task<string> UpsertEntityAsync(TableEntity entity, TableUpdateMode mode = TableUpdateMode.Replace, CancellationToken cancellationToken = default) =>
        WriteAsync(entity, mode, ifMatch: null, "Upsert", cancellationToken);

    /// <summary>Replaces or merges an existing entity if its ETag matches (<c>"*"</c> for any); <see cref="StorageErrorKind.PreconditionFailed"/> on a stale ETag.</summary>
    public Task<string> UpdateEntityAsync(TableEntity entity, string ifMatch, TableUpdateMode mode = TableUpdateMode.Replace, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(ifMatch);
        return WriteAsync(entity, mode, ifMatch, "Update", cancellationToken);
    }

    /// <summary>Deletes an entity if its ETag matches (<c>"*"</c> for any); false when it did not exist.</summary>
    public async Task<bool> DeleteEntityAsync(string partitionKey, string rowKey, string ifMatch = "*", CancellationToken cancellationToken = default)
    {
        using var message = NewMessage(RequestMethod.Delete, EntityPath(partitionKey, rowKey));
        message.Request.Headers.SetValue("If-Match", ifMatch);
        try
        {
            await StorageErrors.SendAsync(_pipeline, message, StorageService.Table, $"Delete from {Name}", cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.EntityNotFound)
        {
            return false;
        }
    }

    /// <summary>One page of a query; pass the previous page's continuation to get the next.</summary>
    public async Task<TablePage> QueryPageAsync(TableQuery query, TableContinuation? continuation = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        using var message = NewMessage(RequestMethod.Get, $"/{Name}()");
        var uri = message.Request.Uri;
        if (!string.IsNullOrEmpty(query.Filter))
        {
            uri.AppendQuery("$filter", query.Filter);
        }

        if (query.Select is { Count: > 0 })
        {
            uri.AppendQuery("$select", string.Join(',', query.Select));
        }

        if (query.Top is { } top)
        {
            uri.AppendQuery("$top", Math.Clamp(top, 1, 1000).ToString(CultureInfo.InvariantCulture));
        }

        if (continuation is not null)
        {
            uri.AppendQuery("NextPartitionKey", continuation.NextPartitionKey);
            if (continuation.NextRowKey is not null)
            {
                uri.AppendQuery("NextRowKey", continuation.NextRowKey);
            }
        }

        var response = await StorageErrors.SendAsync(_pipeline, message, StorageService.Table, $"Query {Name}", cancellationToken).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(response.Content.ToMemory());
        var entities = new List<TableEntity>();
        if (doc.RootElement.TryGetProperty("value", out var value))
        {
            foreach (var element in value.EnumerateArray())
            {
                entities.Add(TableJson.Deserialize(element));
            }
        }

        TableContinuation? next = null;
        if (response.Headers.TryGetValue("x-ms-continuation-NextPartitionKey", out var nextPk) && !string.IsNullOrEmpty(nextPk))
        {
            response.Headers.TryGetValue("x-ms-continuation-NextRowKey", out var nextRk);
            next = new TableContinuation(nextPk, string.IsNullOrEmpty(nextRk) ? null : nextRk);
        }

        return new TablePage(entities, next);
    }

    /// <summary>All entities matching the query, page after page.</summary>
    public async IAsyncEnumerable<TableEntity> QueryAsync(TableQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        TableContinuation? continuation = null;
        do
        {
            var page = await QueryPageAsync(query, continuation, cancellationToken).ConfigureAwait(false);
            foreach (var entity in page.Entities)
            {
                yield return entity;
            }

            continuation = page.Continuation;
        }
        while (continuation is not null);
    }

    /// <summary>Commits up to 100 operations on one partition atomically; returns each operation's new ETag (null for deletes).</summary>
    /// <remarks>When one operation fails nothing is applied and a <see cref="StorageException"/> names the failing index.</remarks>
    public async Task<IReadOnlyList<string?>> SubmitTransactionAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count == 0)
        {
            return [];
        }

        if (actions.Count > MaxTransactionActions)
        {
            throw new StorageException(StorageErrorKind.TooLarge, 0, "TooManyOperations",
                $"An entity group transaction holds at most {MaxTransactionActions} operations, not {actions.Count}.");
        }

        var partition = actions[0].Entity.PartitionKey;
        if (actions.Any(a => a.Entity.PartitionKey != partition))
        {
            throw new StorageException(StorageErrorKind.BadRequest, 0, "CommandsInBatchActOnDifferentPartitions",
                "Every operation of an entity group transaction must target the same partition.");
        }

        foreach (var action in actions.Where(a => a.Type != TableTransactionActionType.Delete))
        {
            TableJson.EnsureWithinLimits(action.Entity);
        }

        var batchBoundary = "batch_" + Guid.NewGuid().ToString("N");
        var changesetBoundary = "changeset_" + Guid.NewGuid().ToString("N");
        var body = new StringBuilder();
        body.Append("--").Append(batchBoundary).Append("\r\n")
            .Append("Content-Type: multipart/mixed; boundary=").Append(changesetBoundary).Append("\r\n\r\n");
        foreach (var action in actions)
        {
            AppendPart(body, changesetBoundary, action);
        }

        body.Append("--").Append(changesetBoundary).Append("--\r\n")
            .Append("--").Append(batchBoundary).Append("--\r\n");

        using var message = NewMessage(RequestMethod.Post, "/$batch");
        message.Request.Headers.SetValue("Content-Type", "multipart/mixed; boundary=" + batchBoundary);
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(body.ToString()));
        var response = await StorageErrors.SendAsync(_pipeline, message, StorageService.Table, $"Transaction on {Name}", cancellationToken).ConfigureAwait(false);
        return ParseBatchResponse(response, actions.Count);
    }

    private void AppendPart(StringBuilder body, string boundary, TableTransactionAction action)
    {
        var entity = action.Entity;
        var (method, path, ifMatch, hasBody) = action.Type switch
        {
            TableTransactionActionType.Add => ("POST", "/" + Name, null, true),
            TableTransactionActionType.UpsertReplace => ("PUT", EntityPath(entity.PartitionKey, entity.RowKey), null, true),
            TableTransactionActionType.UpsertMerge => ("MERGE", EntityPath(entity.PartitionKey, entity.RowKey), null, true),
            TableTransactionActionType.UpdateReplace => ("PUT", EntityPath(entity.PartitionKey, entity.RowKey), action.ETag ?? "*", true),
            TableTransactionActionType.UpdateMerge => ("MERGE", EntityPath(entity.PartitionKey, entity.RowKey), action.ETag ?? "*", true),
            TableTransactionActionType.Delete => ("DELETE", EntityPath(entity.PartitionKey, entity.RowKey), action.ETag ?? "*", false),
            _ => throw new ArgumentOutOfRangeException(nameof(action), action.Type, "Unknown transaction action."),
        };

        body.Append("--").Append(boundary).Append("\r\n")
            .Append("Content-Type: application/http\r\n")
            .Append("Content-Transfer-Encoding: binary\r\n\r\n")
            .Append(method).Append(' ').Append(_endpoint.AbsoluteUri).Append(path).Append(" HTTP/1.1\r\n")
            .Append("Accept: ").Append(JsonAccept).Append("\r\n")
            .Append("DataServiceVersion: 3.0\r\n");
        if (ifMatch is not null)
        {
            body.Append("If-Match: ").Append(ifMatch).Append("\r\n");
        }

        if (hasBody)
        {
            body.Append("Prefer: return-no-content\r\n")
                .Append("Content-Type: application/json\r\n\r\n")
                .Append(Encoding.UTF8.GetString(TableJson.Serialize(entity))).Append("\r\n");
        }
        else
        {
            body.Append("\r\n");
        }
    }

    private IReadOnlyList<string?> ParseBatchResponse(Response response, int count)
    {
        var text = response.Content.ToString();
        var results = new List<string?>(count);
        var position = 0;
        while (true)
        {
            var start = text.IndexOf("HTTP/1.1 ", position, StringComparison.Ordinal);
            if (start < 0)
            {
                break;
            }

            var lineEnd = text.IndexOf('\n', start);
            var statusLine = text[start..(lineEnd < 0 ? text.Length : lineEnd)].Trim();
            var status = int.Parse(statusLine.AsSpan(9, 3), CultureInfo.InvariantCulture);
            var headersEnd = text.IndexOf("\r\n\r\n", start, StringComparison.Ordinal);
            if (headersEnd < 0)
            {
                headersEnd = text.Length;
            }

            var headerBlock = text[start..headersEnd];
            var nextBoundary = text.IndexOf("\r\n--", headersEnd, StringComparison.Ordinal);
            var partBody = headersEnd >= text.Length ? "" : text[(headersEnd + 4)..(nextBoundary < 0 ? text.Length : nextBoundary)];
            if (status >= 400)
            {
                var (code, messageText) = StorageErrors.ParseErrorBody(partBody, null);
                var kind = StorageErrors.Classify(status, code, StorageService.Table);
                int? index = null;
                if (messageText is not null)
                {
                    var colon = messageText.IndexOf(':', StringComparison.Ordinal);
                    if (colon > 0 && int.TryParse(messageText.AsSpan(0, colon), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
                    {
                        index = i;
                    }
                }

                throw new StorageException(kind, status, code,
                    $"Transaction on {Name} failed at operation {index?.ToString(CultureInfo.InvariantCulture) ?? "?"}: {status} {code}: {messageText}")
                {
                    FailedOperationIndex = index,
                };
            }

            string? etag = null;
            foreach (var line in headerBlock.Split('\n'))
            {
                if (line.StartsWith("ETag:", StringComparison.OrdinalIgnoreCase))
                {
                    etag = line[5..].Trim();
                }
            }

            results.Add(etag);
            position = headersEnd;
        }

        if (results.Count != count)
        {
            throw new StorageException(StorageErrorKind.Unknown, response.Status, null,
                $"Transaction on {Name}: expected {count} responses, read {results.Count}.");
        }

        return results;
    }

    private async Task<string> WriteAsync(TableEntity entity, TableUpdateMode mode, string? ifMatch, string operation, CancellationToken cancellationToken)
    {
        TableJson.EnsureWithinLimits(entity);
        var method = mode == TableUpdateMode.Merge ? new RequestMethod("MERGE") : RequestMethod.Put;
        using var message = NewMessage(method, EntityPath(entity.PartitionKey, entity.RowKey));
        if (ifMatch is not null)
        {
            message.Request.Headers.SetValue("If-Match", ifMatch);
        }

        SetJson(message, TableJson.Serialize(entity));
        var response = await StorageErrors.SendAsync(_pipeline, message, StorageService.Table, $"{operation} in {Name}", cancellationToken).ConfigureAwait(false);
        return ETagOf(response);
    }

    private HttpMessage NewMessage(RequestMethod method, string path)
    {
        var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        request.Uri.Reset(_endpoint);
        request.Uri.AppendPath(path, escape: false);
        request.Headers.SetValue("x-ms-version", _version);
        request.Headers.SetValue("Accept", JsonAccept);
        request.Headers.SetValue("DataServiceVersion", "3.0");
        request.Headers.SetValue("MaxDataServiceVersion", "3.0;NetFx");
        return message;
    }

    private static void SetJson(HttpMessage message, byte[] body)
    {
        message.Request.Headers.SetValue("Content-Type", "application/json");
        message.Request.Content = RequestContent.Create(body);
    }

    private string EntityPath(string partitionKey, string rowKey) =>
        $"/{Name}(PartitionKey='{TableJson.KeyLiteral(partitionKey)}',RowKey='{TableJson.KeyLiteral(rowKey)}')";

    private static string ETagOf(Response response) => response.Headers.ETag?.ToString() ?? "";

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    private static partial Regex TableNamePattern();
}
