namespace Loom.Storage.Connection;

/// <summary>The storage service a request goes to.</summary>
public enum StorageService
{
    /// <summary>Azure Table storage.</summary>
    Table,

    /// <summary>Azure Queue storage.</summary>
    Queue,
}
