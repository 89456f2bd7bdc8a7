namespace Loom.Core.Engine;

/// <summary>Something the state machine asks its driver to do.</summary>
public abstract record RunCommand;
