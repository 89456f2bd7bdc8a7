using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Definitions;

namespace Loom.Core.Api.Contracts;

/// <summary>A workflow's schedule as shown.</summary>
public sealed record ScheduleView(
    [property: Description("Cron expression (5 or 6 fields).")] string Cron,
    [property: Description("IANA time zone.")] string Timezone,
    [property: Description("The cron in words.")] string Description,
    [property: Description("Missed occurrences policy."), JsonConverter(typeof(WireEnumConverter<CatchupPolicy>))] CatchupPolicy Catchup,
    [property: Description("Overlapping runs policy."), JsonConverter(typeof(WireEnumConverter<ConcurrencyPolicy>))] ConcurrencyPolicy Concurrency);
