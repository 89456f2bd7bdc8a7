using System.Text.Json;
using Loom.Core.Engine;
using Loom.Core.Stores;

namespace Loom.Core.Orchestration;

/// <summary>
/// What a save needs to replace the run's row without reading it first: the ETag the last write returned and the trigger kept
/// in the row. A stale ETag only costs the read the save would otherwise have made.
/// </summary>
/// <param name="ETag">ETag of the row after the last write.</param>
/// <param name="Trigger">What started the run, as stored.</param>
public sealed record StoredRun(string ETag, string Trigger);
