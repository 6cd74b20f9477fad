using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using GenConv.Generator.Diagnostics;
using GenConv.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GenConv.Generator.Parsing
{
    /// <summary>
    /// Stage 1: symbols and syntax → <see cref="ParsedModel"/>. Reads the model attribute and the layer attributes
    /// in source order, resolves defaults (pool stride = kernel, per-dimension values override the square ones)
    /// and records where each argument was written. Never throws on odd input: it records a diagnostic instead.
    /// </summary>
    internal static class ModelParser
    {
        public const string ModelAttributeName = "GenConv.GenConvModelAttribute";

        private static readonly Dictionary<string, LayerKind> LayerAttributes = new Dictionary<string, LayerKind>(StringComparer.Ordinal)
        {
            ["Conv2DAttribute"] = LayerKind.Conv2D,
            ["MaxPool2DAttribute"] = LayerKind.MaxPool2D,
            ["AvgPool2DAttribute"] = LayerKind.AvgPool2D,
            ["DenseAttribute"] = LayerKind.Dense,
            ["ReLUAttribute"] = LayerKind.ReLU,
            ["LeakyReLUAttribute"] = LayerKind.LeakyReLU,
            ["SigmoidAttribute"] = LayerKind.Sigmoid,
            ["TanhAttribute"] = LayerKind.Tanh,
        };

        /// <summary>Parses one model; an unexpected failure becomes a GENCONV000 diagnostic on the model, never an exception.</summary>
        public static ParsedModel Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            try
            {
                return ParseModel(context, cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                string name = context.TargetSymbol.Name;
                var error = DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, LocationInfo.From(context.TargetNode), name, exception.GetType().Name + ": " + exception.Message);
                return new ParsedModel(string.Empty, name, "internal", name + ".GenConv.g.cs", 0, 0, 0, null, false, null, null,
                    Array.Empty<ParsedLayer>(), new[] { error });
            }
        }

        private static ParsedModel ParseModel(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var type = (INamedTypeSymbol)context.TargetSymbol;
            var declaration = (TypeDeclarationSyntax)context.TargetNode;
            var diagnostics = new List<DiagnosticInfo>();
            string typeName = type.Name;
            string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : string.Empty;
            string hintName = (ns.Length > 0 ? ns + "." : string.Empty) + typeName + ".GenConv.g.cs";
            string accessibility = type.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";

            AttributeData modelAttribute = context.Attributes[0];
            LocationInfo? modelLocation = LocationInfo.From(modelAttribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken));

            string? unsupported = UnsupportedReason(type, declaration);
            if (unsupported is not null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedType, LocationInfo.From(declaration.Identifier), typeName, unsupported));
            else if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, modelLocation, typeName));

            var modelArguments = ReadArguments(modelAttribute, cancellationToken);
            int channels = ReadInt(modelArguments, "InputChannels", 0, out _);
            int height = ReadInt(modelArguments, "InputHeight", 0, out _);
            int width = ReadInt(modelArguments, "InputWidth", 0, out _);
            bool inferenceOnly = ReadBool(modelArguments, "InferenceOnly", false);
            string? weights = modelArguments.TryGetValue("Weights", out TypedConstant weightsValue) ? weightsValue.Value as string : null;
            LocationInfo? weightsLocation = modelAttribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax modelSyntax
                ? ArgumentLocations(modelAttribute, modelSyntax).FirstOrDefault(a => a.Name == "Weights")?.Location
                : null;

            var layers = new List<ParsedLayer>();
            var layerAttributes = type.GetAttributes()
                .Where(a => a.AttributeClass is { } c && c.ContainingNamespace?.ToDisplayString() == "GenConv" && LayerAttributes.ContainsKey(c.Name))
                .Select(a => (Attribute: a, Syntax: a.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax))
                .Where(a => a.Syntax is not null)
                .OrderBy(a => a.Syntax!.SyntaxTree.FilePath, StringComparer.Ordinal)
                .ThenBy(a => a.Syntax!.SpanStart)
                .ToList();

            foreach (var (attribute, syntax) in layerAttributes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (syntax!.FirstAncestorOrSelf<TypeDeclarationSyntax>() != declaration)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayersSpread, LocationInfo.From(syntax), typeName));
                    continue;
                }
                ParsedLayer? layer = ParseLayer(layers.Count, attribute, syntax, context.SemanticModel, cancellationToken, diagnostics);
                if (layer is not null) layers.Add(layer);
            }

            if (layerAttributes.Count == 0)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayers, modelLocation, typeName));

            return new ParsedModel(ns, typeName, accessibility, hintName, channels, height, width, modelLocation, inferenceOnly, string.IsNullOrEmpty(weights) ? null : weights, weightsLocation, layers.ToArray(), diagnostics.ToArray());
        }

        private static string? UnsupportedReason(INamedTypeSymbol type, TypeDeclarationSyntax declaration)
        {
            if (declaration is RecordDeclarationSyntax || type.IsRecord) return "records are not supported, use a class";
            if (type.TypeKind != TypeKind.Class) return $"it is a {type.TypeKind.ToString().ToLowerInvariant()}, but models must be classes";
            if (type.IsStatic) return "static classes cannot hold model buffers";
            if (type.IsGenericType) return "generic types are not supported";
            if (type.ContainingType is not null) return "nested types are not supported, declare the model at namespace level";
            return null;
        }

        private static ParsedLayer? ParseLayer(int index, AttributeData attribute, AttributeSyntax syntax, SemanticModel semanticModel, CancellationToken cancellationToken, List<DiagnosticInfo> diagnostics)
        {
            string attributeName = attribute.AttributeClass!.Name;
            LayerKind kind = LayerAttributes[attributeName];
            LocationInfo? location = LocationInfo.From(syntax);
            var arguments = ReadArguments(attribute, cancellationToken);
            var argumentLocations = ArgumentLocations(attribute, syntax);

            // An argument C# cannot bind is missing from the attribute data altogether, and one that needs an explicit
            // conversion (Kernel = 2.5) arrives converted (2) beside a C# error; neither may silently become a layer.
            if (syntax.ArgumentList is not null)
                for (int a = 0; a < syntax.ArgumentList.Arguments.Count; a++)
                {
                    ExpressionSyntax expression = syntax.ArgumentList.Arguments[a].Expression;
                    TypeInfo type = semanticModel.GetTypeInfo(expression, cancellationToken);
                    bool convertible = type.Type is null || type.ConvertedType is null
                                       || semanticModel.ClassifyConversion(expression, type.ConvertedType).IsImplicit;
                    if (!arguments.ContainsKey(argumentLocations[a].Name) || !convertible)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidArgument, argumentLocations[a].Location, Describe(index, attributeName),
                            argumentLocations[a].Name, "not a constant of the expected type"));
                        return null;
                    }
                }

            foreach (var pair in arguments)
                if (pair.Value.Kind == TypedConstantKind.Error || (pair.Value.Kind != TypedConstantKind.Primitive && !pair.Value.IsNull))
                {
                    LocationInfo? at = argumentLocations.FirstOrDefault(a => a.Name == pair.Key)?.Location ?? location;
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidArgument, at, Describe(index, attributeName), pair.Key, "not a constant of the expected type"));
                    return null;
                }

            bool hasError = false;
            int Int(string name, int fallback)
            {
                int value = ReadInt(arguments, name, fallback, out bool ok);
                if (!ok && !hasError)
                {
                    hasError = true;
                    LocationInfo? at = argumentLocations.FirstOrDefault(a => a.Name == name)?.Location ?? location;
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidArgument, at, Describe(index, attributeName), name, "expected an int"));
                }
                return value;
            }

            string? name = arguments.TryGetValue("Name", out TypedConstant nameValue) ? nameValue.Value as string : null;
            if (name is not null && name.Length == 0) name = null;
            LayerSpec spec;
            switch (kind)
            {
                case LayerKind.Conv2D:
                {
                    int kernel = Int("Kernel", 0), stride = Int("Stride", 1), padding = Int("Padding", 0);
                    spec = new LayerSpec(kind, Int("OutChannels", 0),
                        Int("KernelH", kernel), Int("KernelW", kernel), Int("StrideH", stride), Int("StrideW", stride),
                        Int("PadTop", padding), Int("PadBottom", padding), Int("PadLeft", padding), Int("PadRight", padding),
                        hasBias: ReadBool(arguments, "Bias", true), name: name, winograd: ReadBool(arguments, "Winograd", false));
                    break;
                }
                case LayerKind.MaxPool2D:
                case LayerKind.AvgPool2D:
                {
                    int kernel = Int("Kernel", 0);
                    int kernelH = Int("KernelH", kernel), kernelW = Int("KernelW", kernel);
                    bool strideGiven = arguments.ContainsKey("Stride");
                    int stride = Int("Stride", 0);
                    int strideH = Int("StrideH", strideGiven ? stride : kernelH), strideW = Int("StrideW", strideGiven ? stride : kernelW);
                    int padding = Int("Padding", 0);
                    int padH = Int("PadH", padding), padW = Int("PadW", padding);
                    spec = new LayerSpec(kind, 0, kernelH, kernelW, strideH, strideW, padH, padH, padW, padW,
                        countIncludePad: ReadBool(arguments, "CountIncludePad", true), name: name);
                    break;
                }
                case LayerKind.Dense:
                    spec = new LayerSpec(kind, Int("OutFeatures", 0), hasBias: ReadBool(arguments, "Bias", true), name: name);
                    break;
                case LayerKind.LeakyReLU:
                    float slope = arguments.TryGetValue("Slope", out TypedConstant s) ? ToFloat(s.Value) : 0.01f;
                    spec = new LayerSpec(kind, slope: slope, name: name);
                    break;
                default:
                    spec = new LayerSpec(kind, name: name);
                    break;
            }
            return hasError ? null : new ParsedLayer(spec, attributeName, location, argumentLocations.ToArray());
        }

        public static string Describe(int index, string attributeName) =>
            index.ToString(System.Globalization.CultureInfo.InvariantCulture) + " (" + attributeName.Substring(0, attributeName.Length - "Attribute".Length) + ")";

        /// <summary>Named and constructor arguments by property name (constructor parameters match properties case-insensitively).</summary>
        private static Dictionary<string, TypedConstant> ReadArguments(AttributeData attribute, CancellationToken cancellationToken)
        {
            var result = new Dictionary<string, TypedConstant>(StringComparer.OrdinalIgnoreCase);
            IMethodSymbol? constructor = attribute.AttributeConstructor;
            if (constructor is not null)
                for (int i = 0; i < attribute.ConstructorArguments.Length && i < constructor.Parameters.Length; i++)
                    result[constructor.Parameters[i].Name] = attribute.ConstructorArguments[i];
            foreach (var named in attribute.NamedArguments)
                result[named.Key] = named.Value;
            return result;
        }

        private static List<ArgumentLocation> ArgumentLocations(AttributeData attribute, AttributeSyntax syntax)
        {
            var result = new List<ArgumentLocation>();
            if (syntax.ArgumentList is null) return result;
            IMethodSymbol? constructor = attribute.AttributeConstructor;
            int positional = 0;
            foreach (AttributeArgumentSyntax argument in syntax.ArgumentList.Arguments)
            {
                string? name = argument.NameEquals?.Name.Identifier.ValueText
                    ?? argument.NameColon?.Name.Identifier.ValueText
                    ?? (constructor is not null && positional < constructor.Parameters.Length ? constructor.Parameters[positional].Name : null);
                if (argument.NameEquals is null && argument.NameColon is null) positional++;
                // One entry per written argument, so entries line up with the syntax; an extra positional one gets a placeholder name.
                name ??= "#" + positional.ToString(System.Globalization.CultureInfo.InvariantCulture);
                LocationInfo location = LocationInfo.From(argument)!;
                result.Add(new ArgumentLocation(char.ToUpperInvariant(name[0]) + name.Substring(1), location));
            }
            return result;
        }

        private static int ReadInt(Dictionary<string, TypedConstant> arguments, string name, int fallback, out bool ok)
        {
            ok = true;
            if (!arguments.TryGetValue(name, out TypedConstant value)) return fallback;
            if (value.Value is int i) return i;
            ok = false;
            return fallback;
        }

        private static bool ReadBool(Dictionary<string, TypedConstant> arguments, string name, bool fallback) =>
            arguments.TryGetValue(name, out TypedConstant value) && value.Value is bool b ? b : fallback;

        private static float ToFloat(object? value) => value switch
        {
            float f => f,
            double d => (float)d,
            int i => i,
            _ => float.NaN,
        };
    }
}
