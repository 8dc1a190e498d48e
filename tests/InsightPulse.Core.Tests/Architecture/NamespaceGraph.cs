using Mono.Cecil;
using Mono.Cecil.Cil;

namespace InsightPulse.Core.Tests.Architecture;

/// <summary>
/// Which namespace of ours uses which, read from compiled assemblies (Mono.Cecil), not from <c>using</c> directives:
/// base types, interfaces, attributes, fields, properties, signatures, locals, and every type, method and field an
/// instruction names, with generic arguments, arrays and nested types seen through. Compiler-generated types (lambdas,
/// async state machines) count for the namespace they were written in.
/// </summary>
public sealed class NamespaceGraph
{
    private readonly Dictionary<string, Dictionary<string, string>> _edges = new(StringComparer.Ordinal);

    /// <summary>Namespaces that use another, each with one example of the use ("Type.Member uses Other.Type").</summary>
    public IReadOnlyDictionary<string, Dictionary<string, string>> Edges => _edges;

    /// <summary>Every namespace of ours seen, as a user or as used.</summary>
    public IReadOnlySet<string> Namespaces => _edges.Keys.Concat(_edges.Values.SelectMany(e => e.Keys)).ToHashSet(StringComparer.Ordinal);

    /// <summary>A graph of the given uses (to check the rules themselves).</summary>
    public static NamespaceGraph Of(params (string From, string To)[] uses)
    {
        var graph = new NamespaceGraph();
        foreach (var (from, to) in uses) graph.Add(from, to, "given");
        return graph;
    }

    public static NamespaceGraph Read(IEnumerable<string> assemblyPaths, string prefix)
    {
        var graph = new NamespaceGraph();
        foreach (var path in assemblyPaths)
        {
            using var module = ModuleDefinition.ReadModule(path, new ReaderParameters { ReadSymbols = false });
            foreach (var type in module.GetTypes())
            {
                var from = NamespaceOf(type);
                if (!IsOurs(from, prefix)) continue;
                foreach (var (used, where) in Uses(type))
                {
                    var to = NamespaceOf(used);
                    if (to == from || !IsOurs(to, prefix)) continue;
                    graph.Add(from, to, $"{type.FullName}{where} uses {used.FullName}");
                }
            }
        }
        return graph;
    }

    /// <summary>Records that <paramref name="from"/> uses <paramref name="to"/>; the first example of a use is kept.</summary>
    private void Add(string from, string to, string example)
    {
        if (!_edges.TryGetValue(from, out var targets)) _edges[from] = targets = new(StringComparer.Ordinal);
        targets.TryAdd(to, example);
    }

    /// <summary>The namespace a type was written in: a nested type's is its outermost declaring type's.</summary>
    public static string NamespaceOf(TypeReference type)
    {
        ArgumentNullException.ThrowIfNull(type);
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return type.Namespace;
    }

    private static bool IsOurs(string ns, string prefix) => ns == prefix || ns.StartsWith(prefix + ".", StringComparison.Ordinal);

    private static IEnumerable<(TypeReference Used, string Where)> Uses(TypeDefinition type)
    {
        IEnumerable<(TypeReference, string)> Of(TypeReference? reference, string where) =>
            reference is null ? [] : Expand(reference).Select(t => (t, where));

        foreach (var use in Of(type.BaseType, " (base type)")) yield return use;
        foreach (var use in type.Interfaces.SelectMany(i => Of(i.InterfaceType, " (interface)"))) yield return use;
        foreach (var use in Attributes(type.CustomAttributes, "")) yield return use;
        foreach (var field in type.Fields)
        {
            foreach (var use in Of(field.FieldType, "." + field.Name)) yield return use;
            foreach (var use in Attributes(field.CustomAttributes, "." + field.Name)) yield return use;
        }
        foreach (var property in type.Properties)
        {
            foreach (var use in Of(property.PropertyType, "." + property.Name)) yield return use;
            foreach (var use in Attributes(property.CustomAttributes, "." + property.Name)) yield return use;
        }
        foreach (var e in type.Events) foreach (var use in Of(e.EventType, "." + e.Name)) yield return use;
        foreach (var method in type.Methods)
        {
            var where = "." + method.Name;
            foreach (var use in Of(method.ReturnType, where)) yield return use;
            foreach (var use in method.Parameters.SelectMany(p => Of(p.ParameterType, where))) yield return use;
            foreach (var use in method.GenericParameters.SelectMany(g => g.Constraints).SelectMany(c => Of(c.ConstraintType, where))) yield return use;
            foreach (var use in Attributes(method.CustomAttributes, where)) yield return use;
            if (!method.HasBody) continue;
            foreach (var use in method.Body.Variables.SelectMany(v => Of(v.VariableType, where))) yield return use;
            foreach (var instruction in method.Body.Instructions)
            {
                foreach (var use in Operand(instruction).SelectMany(t => Of(t, where))) yield return use;
            }
        }
    }

    private static IEnumerable<(TypeReference, string)> Attributes(IEnumerable<CustomAttribute> attributes, string where) =>
        attributes.SelectMany(a => Expand(a.AttributeType).Select(t => (t, where)));

    private static IEnumerable<TypeReference> Operand(Instruction instruction) => instruction.Operand switch
    {
        TypeReference type => [type],
        MethodReference method => [method.DeclaringType, method.ReturnType, .. method.Parameters.Select(p => p.ParameterType),
            .. method is GenericInstanceMethod generic ? generic.GenericArguments : []],
        FieldReference field => [field.DeclaringType, field.FieldType],
        _ => [],
    };

    /// <summary>A type and what it is made of: element types of arrays and references, generic arguments.</summary>
    private static IEnumerable<TypeReference> Expand(TypeReference type)
    {
        switch (type)
        {
            case GenericInstanceType generic:
                foreach (var t in Expand(generic.ElementType)) yield return t;
                foreach (var t in generic.GenericArguments.SelectMany(Expand)) yield return t;
                break;
            case TypeSpecification specification: // arrays, pointers, by-reference, modifiers
                foreach (var t in Expand(specification.ElementType)) yield return t;
                break;
            case GenericParameter:
                break;
            default:
                yield return type;
                break;
        }
    }

    /// <summary>Cycles among the namespaces (each as a path that returns to its start); empty when the graph is acyclic.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var cycles = new List<IReadOnlyList<string>>();
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 on the path, 2 done
        var path = new List<string>();
        void Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in _edges.GetValueOrDefault(node)?.Keys.Order(StringComparer.Ordinal) ?? Enumerable.Empty<string>())
            {
                if (state.GetValueOrDefault(next) == 1) cycles.Add([.. path.Skip(path.IndexOf(next)), next]);
                else if (state.GetValueOrDefault(next) == 0) Visit(next);
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
        }
        foreach (var node in Namespaces.Order(StringComparer.Ordinal)) if (state.GetValueOrDefault(node) == 0) Visit(node);
        return cycles;
    }
}
