using System;
using System.Collections.Immutable;
using System.IO;
using GenConv.Generator.Diagnostics;
using GenConv.Generator.Emit;
using GenConv.Generator.Parsing;
using GenConv.Generator.Planning;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GenConv.Generator
{
    /// <summary>
    /// The GenConv pipeline: [GenConvModel] classes → <see cref="ModelParser"/> (symbols to a layer list) →
    /// <see cref="ModelPlanner"/> (shape inference, parameter layout, kernel plan) → <see cref="ModelEmitter"/>.
    /// Diagnostics travel in their own output, so a model with errors yields diagnostics and no code.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class GenConvGenerator : IIncrementalGenerator
    {
        /// <summary>Tracking names of the pipeline steps, for incrementality tests.</summary>
        public static class Steps
        {
            public const string Parse = "GenConv.Parse";
            public const string Plan = "GenConv.Plan";
            public const string WeightFiles = "GenConv.WeightFiles";
            public const string Diagnostics = "GenConv.Diagnostics";
            public const string Models = "GenConv.Models";
        }

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            // Safetensors files for baked weights, base64-encoded by build/GenConv.targets (the compiler takes text only).
            IncrementalValueProvider<ImmutableArray<WeightFile>> weightFiles = context.AdditionalTextsProvider
                .Where(static text => text.Path.EndsWith(WeightBaking.Suffix, StringComparison.OrdinalIgnoreCase))
                .Select(static (text, ct) => new WeightFile(Path.GetFileName(text.Path), text.GetText(ct)?.ToString() ?? string.Empty))
                .Collect()
                .WithTrackingName(Steps.WeightFiles);

            IncrementalValuesProvider<PlanResult> plans = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    ModelParser.ModelAttributeName,
                    predicate: static (node, _) => node is TypeDeclarationSyntax,
                    transform: static (ctx, ct) => ModelParser.Parse(ctx, ct))
                .WithTrackingName(Steps.Parse)
                .Combine(weightFiles)
                .Select(static (pair, ct) => ModelPlanner.Plan(pair.Left, pair.Right, ct))
                .WithTrackingName(Steps.Plan);

            IncrementalValuesProvider<DiagnosticInfo> diagnostics = plans
                .SelectMany(static (result, _) => result.Diagnostics)
                .WithTrackingName(Steps.Diagnostics);
            context.RegisterSourceOutput(diagnostics, static (spc, diagnostic) => spc.ReportDiagnostic(diagnostic.ToDiagnostic()));

            IncrementalValuesProvider<ModelPlan> models = plans
                .Where(static result => result.Plan is not null)
                .Select(static (result, _) => result.Plan!)
                .WithTrackingName(Steps.Models);
            context.RegisterSourceOutput(models, static (spc, plan) =>
            {
                string source;
                try
                {
                    source = ModelEmitter.Emit(plan);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, plan.TypeName, exception.GetType().Name + ": " + exception.Message));
                    return;
                }
                spc.AddSource(plan.HintName, source);
            });
        }
    }
}
