namespace Loom.Core.Statistics;

/// <summary>A bucket as stored, with the ETag a conditional replace needs.</summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="ETag">Its row's ETag.</param>
public sealed record StoredStatsBucket(RunStatsBucket Bucket, string ETag);
