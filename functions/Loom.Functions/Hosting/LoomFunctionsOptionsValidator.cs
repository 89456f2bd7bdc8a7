using Loom.Hosting;
using Microsoft.Extensions.Options;

namespace Loom.Functions.Hosting;

/// <summary>Checks the Function App's own settings at start.</summary>
internal sealed class LoomFunctionsOptionsValidator : IValidateOptions<LoomFunctionsOptions>
{
    public ValidateOptionsResult Validate(string? name, LoomFunctionsOptions options)
    {
        var checks = new SettingChecks();
        checks.Role(nameof(options.FunctionKeyRole), options.FunctionKeyRole);
        checks.AtLeast(nameof(options.ContinueAsNewAfter), options.ContinueAsNewAfter, 1);
        return checks.Result;
    }
}
