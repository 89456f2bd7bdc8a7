using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Loom.Core.Execution;

/// <summary>What a callback token stands for.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="TaskId">Task id.</param>
/// <param name="Attempt">The attempt that is waiting.</param>
public sealed record CallbackTarget(string RunId, string TaskId, int Attempt);
