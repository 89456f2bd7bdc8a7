using Azure.Core;

namespace Loom.Storage.Connection;

/// <summary>Pipeline options of the Table and Queue clients: Azure.Core's retry, diagnostics and transport settings plus the pinned service versions.</summary>
public sealed class StorageClientOptions : ClientOptions
{
    /// <summary>The Table REST version sent: the newest the official Azure.Data.Tables SDK sends, also accepted by Azurite 3.37.</summary>
    public const string DefaultTableApiVersion = "2020-12-06";

    /// <summary>The Queue REST version sent: a version Azure.Storage.Queues supports and Azurite 3.37 accepts.</summary>
    public const string DefaultQueueApiVersion = "2021-12-02";

    /// <summary>x-ms-version for Table requests.</summary>
    public string TableApiVersion { get; set; } = DefaultTableApiVersion;

    /// <summary>x-ms-version for Queue requests.</summary>
    public string QueueApiVersion { get; set; } = DefaultQueueApiVersion;

    /// <summary>When set, counts every request sent (each retry included) per service.</summary>
    public StorageRequestCounter? RequestCounter { get; set; }

    /// <summary>Clock for due times of long queue delays (request dates always use the wall clock).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The longest initial visibility delay the Queue service accepts (7 days); longer delays are sent in hops.</summary>
    internal TimeSpan MaxQueueVisibilityDelay { get; set; } = TimeSpan.FromDays(7);
}
