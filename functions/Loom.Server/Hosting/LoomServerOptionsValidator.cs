using Loom.Hosting;
using Microsoft.Extensions.Options;

namespace Loom.Server.Hosting;

/// <summary>Checks the server's own settings at start: each must be within the bounds its loop can work with.</summary>
internal sealed class LoomServerOptionsValidator : IValidateOptions<LoomServerOptions>
{
    public ValidateOptionsResult Validate(string? name, LoomServerOptions options)
    {
        var checks = new SettingChecks();
        checks.AtLeast(nameof(options.MaxConcurrentCalls), options.MaxConcurrentCalls, 1);
        if (options.SchedulerEnabled) checks.Positive(nameof(options.SchedulerInterval), options.SchedulerInterval);
        checks.Positive(nameof(options.RecoveryInterval), options.RecoveryInterval);
        if (options.ProcessTimeout <= options.RecoveryInterval)
        {
            // A heartbeat written every RecoveryInterval must arrive before the timeout, or live processes are taken for dead.
            checks.Fail(nameof(options.ProcessTimeout), $"is {options.ProcessTimeout}; it must be longer than Loom:RecoveryInterval ({options.RecoveryInterval}), the heartbeat period.");
        }

        checks.AtLeast("Streams:MaxPerKey", options.Streams.MaxPerKey, 0);
        checks.Positive("Streams:PollInterval", options.Streams.PollInterval);
        checks.Positive("Streams:KeepAlive", options.Streams.KeepAlive);
        checks.Positive("Streams:MaxDuration", options.Streams.MaxDuration);
        return checks.Result;
    }
}
