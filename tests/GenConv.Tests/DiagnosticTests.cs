using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using GenConv.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>Every GENCONV diagnostic, triggered and located on the attribute or argument at fault.</summary>
    public sealed class DiagnosticTests
    {
        private const string Input = "[GenConvModel(InputChannels = 1, InputHeight = 8, InputWidth = 8)]";

        public static IEnumerable<object[]> Cases() => new[]
        {
            // id, source of the type declaration, the text the diagnostic must point at
            new object[] { "GENCONV001", Input + "[Dense(OutFeatures = 2)] public class M { }", "GenConvModel(InputChannels = 1, InputHeight = 8, InputWidth = 8)" },
            new object[] { "GENCONV002", "[GenConvModel(InputChannels = 1, InputHeight = 0, InputWidth = 8)][Dense(OutFeatures = 2)] public partial class M { }", "GenConvModel(InputChannels = 1, InputHeight = 0, InputWidth = 8)" },
            new object[] { "GENCONV002", "[GenConvModel][Dense(OutFeatures = 2)] public partial class M { }", "GenConvModel" },
            new object[] { "GENCONV003", Input + "[Conv2D(OutChannels = 0, Kernel = 3)] public partial class M { }", "OutChannels = 0" },
            new object[] { "GENCONV003", Input + "[Conv2D(OutChannels = 4, Kernel = 3)][ReLU][MaxPool2D(KernelH = -1, KernelW = 2)] public partial class M { }", "KernelH = -1" },
            new object[] { "GENCONV003", Input + "[Dense(OutFeatures = -3)] public partial class M { }", "OutFeatures = -3" },
            new object[] { "GENCONV004", Input + "[Conv2D(OutChannels = 2, Kernel = 3, Stride = 0)] public partial class M { }", "Stride = 0" },
            new object[] { "GENCONV004", Input + "[AvgPool2D(Kernel = 2, StrideW = -1)] public partial class M { }", "StrideW = -1" },
            new object[] { "GENCONV005", Input + "[Conv2D(OutChannels = 2, Kernel = 3, PadLeft = -1)] public partial class M { }", "PadLeft = -1" },
            new object[] { "GENCONV006", Input + "[Conv2D(OutChannels = 2, Kernel = 9)] public partial class M { }", "Kernel = 9" },
            new object[] { "GENCONV006", Input + "[Conv2D(OutChannels = 2, Kernel = 5)][MaxPool2D(Kernel = 2)][Conv2D(OutChannels = 2, Kernel = 3)] public partial class M { }", "Kernel = 3" },
            new object[] { "GENCONV007", Input + "[MaxPool2D(Kernel = 2, Padding = 2)] public partial class M { }", "Padding = 2" },
            new object[] { "GENCONV009", Input + "[Dense(OutFeatures = 2)] public partial struct M { }", "M" },
            new object[] { "GENCONV009", Input + "[Dense(OutFeatures = 2)] public partial class M<T> { }", "M" },
            new object[] { "GENCONV009", Input + "[Dense(OutFeatures = 2)] public partial record M { }", "M" },
            new object[] { "GENCONV009", Input + "[Dense(OutFeatures = 2)] public static partial class M { }", "M" },
            new object[] { "GENCONV009", "public partial class Outer { " + Input + "[Dense(OutFeatures = 2)] public partial class M { } }", "M" },
            new object[] { "GENCONV010", Input + " public partial class M { }", "GenConvModel(InputChannels = 1, InputHeight = 8, InputWidth = 8)" },
            new object[] { "GENCONV012", "[GenConvModel(InputChannels = 3, InputHeight = 512, InputWidth = 512)][Conv2D(OutChannels = 4096, Kernel = 3)] public partial class M { }", "OutChannels = 4096" },
            new object[] { "GENCONV012", Input + string.Concat(Enumerable.Repeat("[ReLU]", 300)) + " public partial class M { }", "GenConvModel(InputChannels = 1, InputHeight = 8, InputWidth = 8)" },
            new object[] { "GENCONV013", Input + "[LeakyReLU(Slope = float.NaN)] public partial class M { }", "Slope = float.NaN" },
            new object[] { "GENCONV018", Input + "[Conv2D(OutChannels = 2, Kernel = 5, Padding = 2, Winograd = true)] public partial class M { }", "Winograd = true" },
            new object[] { "GENCONV018", Input + "[Conv2D(OutChannels = 2, Kernel = 3, Stride = 2, Padding = 1, Winograd = true)] public partial class M { }", "Winograd = true" },
            new object[] { "GENCONV018", Input + "[Conv2D(OutChannels = 2, Kernel = 3, Winograd = true)][Conv2D(OutChannels = 2, Kernel = 2, Winograd = true)] public partial class M { }", "Winograd = true" },
            new object[] { "GENCONV018", Input + "[Conv2D(OutChannels = 2, Kernel = 3, Padding = 1)][Conv2D(OutChannels = 2, KernelH = 3, KernelW = 3, PadBottom = 1, Winograd = true)] public partial class M { }", "Winograd = true" },
            new object[] { "GENCONV014", Input + "[Conv2D(OutChannels = 2, Kernel = 3, Name = \"conv\")][Conv2D(OutChannels = 2, Kernel = 3, Name = \"conv\")] public partial class M { }", "Name = \"conv\"" },
        };

        [Theory]
        [MemberData(nameof(Cases))]
        public void ReportsDiagnosticAtTheOffendingSyntax(string id, string declaration, string locatedText)
        {
            string source = "using GenConv;\nnamespace N\n{\n" + declaration + "\n}\n";
            var (result, output) = GeneratorHarness.Run(source);
            Assert.Null(result.Exception);
            Diagnostic diagnostic = Assert.Single(result.Diagnostics, d => d.Id == id);
            Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
            Assert.Equal(locatedText, LocatedText(diagnostic, output).Trim());
            Assert.Empty(result.GeneratedSources); // no code for a model with errors
        }

        [Fact]
        public void ReportsLayersSpreadOverPartialDeclarations()
        {
            string first = "using GenConv;\nnamespace N\n{\n" + Input + "[Dense(OutFeatures = 4)] public partial class M { }\n}\n";
            string second = "using GenConv;\nnamespace N\n{\n[ReLU] public partial class M { }\n}\n";
            var (result, output) = GeneratorHarness.Run(first, second);
            Diagnostic diagnostic = Assert.Single(result.Diagnostics, d => d.Id == "GENCONV008");
            Assert.Equal("Model1.cs", diagnostic.Location.GetLineSpan().Path);
            Assert.Equal("ReLU", LocatedText(diagnostic, output));
        }

        [Fact]
        public void ReportsUnreadableArgument()
        {
            // Name = 5 is a compile error (CS0029) already; the generator must say which argument it cannot use, not crash.
            string source = "using GenConv;\nnamespace N\n{\n" + Input + "[Dense(OutFeatures = 2, Name = 5)] public partial class M { }\n}\n";
            var (result, _) = GeneratorHarness.Run(source);
            Assert.Null(result.Exception);
            Diagnostic diagnostic = Assert.Single(result.Diagnostics, d => d.Id == "GENCONV011");
            Assert.Contains("Name", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        }

        [Fact]
        public void MessagesNameTheSizesInvolved()
        {
            string source = "using GenConv;\nnamespace N\n{\n" + Input + "[Conv2D(OutChannels = 2, Kernel = 9, Padding = 0)] public partial class M { }\n}\n";
            var (result, _) = GeneratorHarness.Run(source);
            string message = Assert.Single(result.Diagnostics).GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains("9x9", message);
            Assert.Contains("8x8", message);
        }

        /// <summary>
        /// 1,000 random models (valid and invalid sizes, odd and missing arguments) in 10 compilations: the generator never
        /// throws, each model gets either code or at least one GENCONV error, and all generated code compiles.
        /// </summary>
        [Fact]
        public void RandomModelsNeverCrashTheGenerator()
        {
            var random = new SeededRandom(20261122);
            string[] kinds = { "Conv2D", "MaxPool2D", "AvgPool2D", "Dense", "ReLU", "LeakyReLU", "Sigmoid", "Tanh" };
            string[] convArguments = { "OutChannels", "Kernel", "KernelH", "KernelW", "Stride", "StrideH", "StrideW", "Padding", "PadTop", "PadBottom", "PadLeft", "PadRight" };
            string[] poolArguments = { "Kernel", "KernelH", "KernelW", "Stride", "StrideH", "StrideW", "Padding", "PadH", "PadW" };
            int generated = 0, rejected = 0;
            for (int round = 0; round < 10; round++)
            {
                var source = new StringBuilder("using GenConv;\nnamespace Fuzz\n{\n");
                for (int m = 0; m < 100; m++)
                {
                    source.Append($"[GenConvModel(InputChannels = {Size(random)}, InputHeight = {Size(random)}, InputWidth = {Size(random)})]\n");
                    int layers = random.NextInt(5);
                    for (int l = 0; l < layers; l++)
                    {
                        string kind = kinds[random.NextInt(kinds.Length)];
                        string[] pool = kind == "Conv2D" ? convArguments : kind.Contains("Pool") ? poolArguments : kind == "Dense" ? new[] { "OutFeatures" } : Array.Empty<string>();
                        var arguments = pool.Where(_ => random.NextInt(3) == 0).Select(a => $"{a} = {Size(random)}").ToList();
                        if (kind is "Conv2D" && random.NextInt(4) > 0) arguments.Add($"OutChannels = {1 + random.NextInt(5)}");
                        if (kind is "Conv2D" or "MaxPool2D" or "AvgPool2D" && random.NextInt(4) > 0) arguments.Add($"Kernel = {1 + random.NextInt(4)}");
                        if (kind is "Dense" && random.NextInt(4) > 0) arguments.Add($"OutFeatures = {1 + random.NextInt(12)}");
                        if (kind is "AvgPool2D" && random.NextInt(2) == 0) arguments.Add("CountIncludePad = false");
                        if (kind is "LeakyReLU" && random.NextInt(2) == 0) arguments.Add("Slope = 0.5f");
                        var distinct = arguments.GroupBy(a => a.Split(' ')[0]).Select(g => g.First());
                        source.Append($"[{kind}({string.Join(", ", distinct)})]");
                    }
                    source.Append($"\npublic partial class M{m} {{ }}\n");
                }
                source.Append("}\n");
                var (result, output) = GeneratorHarness.Run(source.ToString());
                Assert.Null(result.Exception);
                Assert.DoesNotContain(result.Diagnostics, d => d.Id == "GENCONV000");
                // Code must not grow with a dimension (sizes here reach 10^6): a model's source stays small.
                foreach (var generatedSource in result.GeneratedSources)
                    Assert.True(generatedSource.SourceText.Length < 1_000_000, $"round {round}: {generatedSource.HintName} is {generatedSource.SourceText.Length:N0} chars");
                for (int m = 0; m < 100; m++)
                {
                    bool hasCode = result.GeneratedSources.Any(s => s.HintName == $"Fuzz.M{m}.GenConv.g.cs");
                    bool hasError = result.Diagnostics.Any(d => d.Id.StartsWith("GENCONV", StringComparison.Ordinal) && d.Severity == DiagnosticSeverity.Error
                        && EnclosingModel(d, output) == $"M{m}");
                    Assert.True(hasCode ^ hasError, $"round {round}, model M{m}: code {hasCode}, GENCONV error {hasError}");
                    if (hasCode) generated++; else rejected++;
                }
                Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
            }
            Assert.True(generated > 100 && rejected > 100, $"the generator should see both kinds: {generated} generated, {rejected} rejected");
        }

        private static int Size(SeededRandom random) => random.NextInt(10) switch
        {
            0 => -1 - random.NextInt(3),
            1 => 0,
            2 => 1_000_000 + random.NextInt(1000),
            _ => 1 + random.NextInt(12),
        };

        /// <summary>The source text a diagnostic points at (generator locations carry a path and span, not a tree).</summary>
        private static string LocatedText(Diagnostic diagnostic, Compilation compilation) =>
            Tree(diagnostic, compilation).ToString().Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);

        private static SyntaxTree Tree(Diagnostic diagnostic, Compilation compilation) =>
            compilation.SyntaxTrees.Single(t => t.FilePath == diagnostic.Location.GetLineSpan().Path);

        private static string EnclosingModel(Diagnostic diagnostic, Compilation compilation)
        {
            string text = Tree(diagnostic, compilation).ToString();
            int classIndex = text.IndexOf("public partial class ", diagnostic.Location.SourceSpan.Start, StringComparison.Ordinal);
            int nameStart = classIndex + "public partial class ".Length;
            return text.Substring(nameStart, text.IndexOf(' ', nameStart) - nameStart);
        }
    }
}
