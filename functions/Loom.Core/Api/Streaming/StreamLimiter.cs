using System.Security.Cryptography;
using System.Text;

namespace Loom.Core.Api.Streaming;

/// <summary>Bounds the event streams one API key holds open at once: each is a connection and a reader of storage.</summary>
/// <param name="maxPerKey">Streams one key may hold open.</param>
public sealed class StreamLimiter(int maxPerKey)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>Streams one key may hold open.</summary>
    public int MaxPerKey { get; } = maxPerKey;

    /// <summary>A slot for one more stream of the key the request presents, or null when that key holds the maximum already.</summary>
    public IDisposable? TryAcquire(ApiRequest request)
    {
        // Keys are counted by a hash, so the limiter keeps no key in memory.
        var id = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ApiKeyAuthorizer.PresentedKey(request) ?? "")));
        lock (_gate)
        {
            var open = _open.GetValueOrDefault(id);
            if (open >= MaxPerKey) return null;
            _open[id] = open + 1;
        }
        return new Slot(this, id);
    }

    /// <summary>Streams open at the moment, all keys together.</summary>
    public int Open
    {
        get
        {
            lock (_gate) return _open.Values.Sum();
        }
    }

    private void Release(string id)
    {
        lock (_gate)
        {
            if (!_open.TryGetValue(id, out var open)) return;
            if (open <= 1) _open.Remove(id);
            else _open[id] = open - 1;
        }
    }

    private sealed class Slot(StreamLimiter limiter, string id) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) limiter.Release(id);
        }
    }
}
