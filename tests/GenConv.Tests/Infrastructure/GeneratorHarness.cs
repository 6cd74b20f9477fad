using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using GenConv.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace GenConv.Tests.Infrastructure
{
    /// <summary>Runs the GenConv generator in-process on source text, and compiles and loads its output.</summary>
    public static class GeneratorHarness
    {
        private static readonly Lazy<MetadataReference[]> References = new(() =>
        {
            string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
            return tpa.Split(Path.PathSeparator)
                .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
                .Append(typeof(IGenConvModel).Assembly.Location)
                .Distinct()
                .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
                .ToArray();
        });

        public static CSharpCompilation CreateCompilation(params string[] sources) =>
            CSharpCompilation.Create("GenConvTestModels" + Guid.NewGuid().ToString("N"),
                sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(LanguageVersion.Latest), path: $"Model{i}.cs")),
                References.Value,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable));

        public static GeneratorDriver CreateDriver(params AdditionalText[] additionalTexts) =>
            CSharpGeneratorDriver.Create(new[] { new GenConvGenerator().AsSourceGenerator() }, additionalTexts,
                driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

        /// <summary>As <see cref="Run(string[])"/>, with AdditionalFiles (such as base64 weights files).</summary>
        public static (GeneratorRunResult Result, Compilation Output) Run(AdditionalText[] additionalTexts, params string[] sources)
        {
            CSharpCompilation compilation = CreateCompilation(sources);
            GeneratorDriver driver = CreateDriver(additionalTexts).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
            return (driver.GetRunResult().Results.Single(), output);
        }

        /// <summary>An AdditionalFiles item held in memory.</summary>
        public sealed class InMemoryText(string path, string text) : AdditionalText
        {
            public override string Path { get; } = path;
            public override Microsoft.CodeAnalysis.Text.SourceText GetText(System.Threading.CancellationToken cancellationToken = default) =>
                Microsoft.CodeAnalysis.Text.SourceText.From(text);
        }

        /// <summary>Runs the generator; returns its result (generated sources, diagnostics, exception) and the updated compilation.</summary>
        public static (GeneratorRunResult Result, Compilation Output) Run(params string[] sources)
        {
            CSharpCompilation compilation = CreateCompilation(sources);
            GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
            return (driver.GetRunResult().Results.Single(), output);
        }

        /// <summary>Generates, compiles and loads the models in <paramref name="sources"/>; fails with every error if anything does not compile.</summary>
        public static Assembly CompileAndLoad(params string[] sources)
        {
            var (result, output) = Run(sources);
            if (result.Exception is not null) throw new InvalidOperationException("The generator threw.", result.Exception);
            var generatorErrors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (generatorErrors.Count > 0)
                throw new InvalidOperationException("Generator diagnostics:\n" + string.Join("\n", generatorErrors));
            return Load(output);
        }

        /// <summary>Emits and loads a compilation (with its generated sources) into a collectible context.</summary>
        public static Assembly Load(Compilation output)
        {
            using var stream = new MemoryStream();
            var emit = output.Emit(stream);
            if (!emit.Success)
                throw new InvalidOperationException("Generated code does not compile:\n" + string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20)));
            stream.Position = 0;
            return new AssemblyLoadContext("GenConvTest", isCollectible: true).LoadFromStream(stream);
        }

        /// <summary>Creates a generated model by type name through its (maxBatch, seed) constructor.</summary>
        public static IGenConvModel Create(Assembly assembly, string typeName, int maxBatch, int seed) =>
            (IGenConvModel)Activator.CreateInstance(assembly.GetType(typeName, throwOnError: true)!, maxBatch, seed)!;
    }
}
