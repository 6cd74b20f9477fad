using System;
using GenConv.Generator.Helpers;
using GenConv.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace GenConv.Generator.Parsing
{
    // The pipeline's models: strings, numbers and value-equal arrays only (never ISymbol, SyntaxNode,
    // Compilation or Location), so the incremental pipeline can compare and cache them.

    /// <summary>A source location stored by value; turned into a Roslyn Location only when reporting.</summary>
    internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
    {
        public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

        public static LocationInfo? From(SyntaxNode? node) => node is null ? null : From(node.GetLocation());

        public static LocationInfo From(SyntaxToken token) => From(token.GetLocation());

        private static LocationInfo From(Location location) =>
            new LocationInfo(location.SourceTree?.FilePath ?? string.Empty, location.SourceSpan, location.GetLineSpan().Span);
    }

    /// <summary>A diagnostic to report: descriptor, where, and the message arguments.</summary>
    internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
    {
        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
            new DiagnosticInfo(descriptor, location, arguments);

        public Diagnostic ToDiagnostic() => Diagnostic.Create(Descriptor, Location?.ToLocation(), Arguments.AsSpan().ToArray());
    }

    /// <summary>Where one attribute argument was written, so a diagnostic can point at it.</summary>
    internal sealed record ArgumentLocation(string Name, LocationInfo Location);

    /// <summary>One layer attribute, resolved to a spec, with where it and its arguments were written.</summary>
    internal sealed record ParsedLayer(LayerSpec Spec, string AttributeName, LocationInfo? Location, EquatableArray<ArgumentLocation> Arguments)
    {
        /// <summary>The location of the named argument, else of the argument it defaults from, else of the attribute.</summary>
        public LocationInfo? LocationOf(string argument)
        {
            foreach (string candidate in new[] { argument, BaseArgument(argument) })
                foreach (ArgumentLocation a in Arguments)
                    if (string.Equals(a.Name, candidate, StringComparison.OrdinalIgnoreCase)) return a.Location;
            return Location;
        }

        /// <summary>KernelH → Kernel, StrideW → Stride, PadTop/PadH → Padding.</summary>
        private static string BaseArgument(string argument)
        {
            if (argument.StartsWith("Pad", StringComparison.Ordinal)) return "Padding";
            if (argument.EndsWith("H", StringComparison.Ordinal) || argument.EndsWith("W", StringComparison.Ordinal))
                return argument.Substring(0, argument.Length - 1);
            return argument;
        }
    }

    /// <summary>What the parser read off one [GenConvModel] class.</summary>
    internal sealed record ParsedModel(
        string Namespace,
        string TypeName,
        string Accessibility,
        string HintName,
        int InputChannels,
        int InputHeight,
        int InputWidth,
        LocationInfo? ModelLocation,
        bool InferenceOnly,
        string? Weights,
        LocationInfo? WeightsLocation,
        EquatableArray<ParsedLayer> Layers,
        EquatableArray<DiagnosticInfo> Diagnostics);
}
