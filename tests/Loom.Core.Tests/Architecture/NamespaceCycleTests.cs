using System.Reflection;
using System.Reflection.Emit;
using Loom.Core.Engine;

namespace Loom.Core.Tests.Architecture;

/// <summary>
/// Loom.Core's namespaces (its top-level folders, each with its sub-namespaces: Api.Streaming is part of Api) depend on each
/// other one way only. The dependencies are read from the compiled assembly: every
/// type a type names in its signatures and in its method bodies (calls, fields, casts, allocations), so a move that brings
/// a cycle back fails here with the types that make it.
/// </summary>
public sealed class NamespaceCycleTests
{
    private static readonly Assembly Core = typeof(RunStateMachine).Assembly;

    [Fact]
    public void LoomCore_HasNoNamespaceCycle()
    {
        var edges = Dependencies();
        var cycle = FindCycle(edges.Keys.Select(e => e.From).Concat(edges.Keys.Select(e => e.To)).Distinct().Order(StringComparer.Ordinal), edges);
        Assert.True(cycle is null, cycle is null ? "" : "Namespace cycle: " + string.Join(" -> ", cycle) + "\n" + string.Join("\n",
            cycle.Zip(cycle.Skip(1)).Select(p => $"{p.First} -> {p.Second} because {string.Join(", ", edges[(p.First, p.Second)].Order(StringComparer.Ordinal).Take(5))}")));
    }

    [Fact]
    public void Dependencies_SeeTypesUsedOnlyInMethodBodies()
    {
        // The scan must be able to fail: the self-hosted commit loop uses the state machine only inside its methods.
        var edges = Dependencies();
        Assert.Contains(("Loom.Core.SelfHosted", "Loom.Core.Engine"), edges.Keys);
        Assert.Contains(edges[("Loom.Core.SelfHosted", "Loom.Core.Engine")], why => why.Contains("RunStateMachine", StringComparison.Ordinal));
    }

    /// <summary>Namespace to namespace, with the type pairs behind each edge.</summary>
    private static Dictionary<(string From, string To), HashSet<string>> Dependencies()
    {
        var edges = new Dictionary<(string, string), HashSet<string>>();
        foreach (var type in Core.GetTypes())
        {
            var from = Feature(type.Namespace);
            if (from is null) continue;
            foreach (var used in Referenced(type))
            {
                var to = Feature(used.Namespace);
                if (to is null || to == from || used.Assembly != Core) continue;
                if (!edges.TryGetValue((from, to), out var why)) edges[(from, to)] = why = new HashSet<string>(StringComparer.Ordinal);
                why.Add($"{Name(type)} uses {Name(used)}");
            }
        }
        return edges;
    }

    /// <summary>The top-level namespace of Loom.Core a namespace belongs to ("Loom.Core.Api.Streaming" is "Loom.Core.Api"), or null outside Loom.Core.</summary>
    private static string? Feature(string? ns) =>
        ns?.Split('.') is ["Loom", "Core", var feature, ..] ? $"Loom.Core.{feature}" : null;

    private static string Name(Type type) => type.DeclaringType is { } outer ? Name(outer) : type.Name;

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static IEnumerable<Type> Referenced(Type type)
    {
        var found = new List<Type>();
        if (type.BaseType is { } b) found.Add(b);
        found.AddRange(type.GetInterfaces());
        foreach (var f in type.GetFields(All)) found.Add(f.FieldType);
        foreach (var p in type.GetProperties(All)) found.Add(p.PropertyType);
        foreach (var e in type.GetEvents(All)) if (e.EventHandlerType is { } h) found.Add(h);
        foreach (var m in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (m is MethodInfo mi) found.Add(mi.ReturnType);
            found.AddRange(m.GetParameters().Select(p => p.ParameterType));
            found.AddRange(BodyReferences(m));
        }
        return found.SelectMany(Expand);
    }

    /// <summary>A type with its element type and generic arguments, recursively.</summary>
    private static IEnumerable<Type> Expand(Type type)
    {
        yield return type;
        if (type.HasElementType && type.GetElementType() is { } element)
        {
            foreach (var t in Expand(element)) yield return t;
        }
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            foreach (var t in type.GetGenericArguments().SelectMany(Expand)) yield return t;
        }
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The types a method body names through its metadata tokens (calls, field accesses, allocations, casts, typeof).</summary>
    private static IEnumerable<Type> BodyReferences(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var code = il[i] == 0xFE ? OpCodesByValue[(short)(0xFE00 | il[i + 1])] : OpCodesByValue[il[i]];
            i += code.Size;
            switch (code.OperandType)
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineType or OperandType.InlineTok:
                    MemberInfo? member = null;
                    try
                    {
                        member = method.Module.ResolveMember(BitConverter.ToInt32(il, i), typeArgs, methodArgs);
                    }
                    catch (ArgumentException)
                    {
                        // A token of a generic context this scan cannot supply: its declaring type is in the signatures anyway.
                    }
                    switch (member)
                    {
                        case Type t:
                            yield return t;
                            break;
                        case FieldInfo f:
                            yield return f.DeclaringType!;
                            yield return f.FieldType;
                            break;
                        case MethodBase m:
                            if (m.DeclaringType is { } owner) yield return owner;
                            if (m is MethodInfo { IsGenericMethod: true } g)
                            {
                                foreach (var a in g.GetGenericArguments()) yield return a;
                            }
                            break;
                    }
                    i += 4;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + (4 * BitConverter.ToInt32(il, i));
                    break;
                default:
                    i += 4;
                    break;
            }
        }
    }

    /// <summary>A cycle as a path that starts and ends at the same namespace, or null.</summary>
    private static List<string>? FindCycle(IEnumerable<string> nodes, Dictionary<(string From, string To), HashSet<string>> edges)
    {
        var next = edges.Keys.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).Order(StringComparer.Ordinal).ToList());
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();

        List<string>? Visit(string node)
        {
            var at = path.IndexOf(node);
            if (at >= 0) return [.. path.Skip(at), node];
            if (!done.Add(node)) return null;
            path.Add(node);
            foreach (var to in next.GetValueOrDefault(node) ?? [])
            {
                if (Visit(to) is { } cycle) return cycle;
            }
            path.RemoveAt(path.Count - 1);
            return null;
        }

        foreach (var node in nodes)
        {
            if (Visit(node) is { } cycle) return cycle;
        }
        return null;
    }
}
