using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using GenConv.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace GenConv.Tests
{
    /// <summary>
    /// Seeded property test over random model declarations. Valid models are built by tracking shapes through random
    /// layers (asymmetric kernels, strides and paddings, every layer kind, several namespaces and modifiers); invalid ones
    /// are a valid model with one fault injected whose diagnostic is known. For each: the generator never throws; a valid
    /// model compiles and matches the generic naive and im2col runners forward and backward on random input; an invalid one
    /// gets no code and the expected GENCONV error, located inside its own declaration.
    /// </summary>
    public sealed class GeneratorPropertyTests
    {
        private const int Rounds = 20, ModelsPerRound = 52;
        private readonly ITestOutputHelper output;

        public GeneratorPropertyTests(ITestOutputHelper output) => this.output = output;

        private sealed record RandomModel(string Declaration, string TypeName, string? ExpectedId);

        [Fact]
        public void RandomModelsCompileAndMatchGenericOrGetTheirDiagnostic()
        {
            var random = new SeededRandom(6_2026_11_22);
            int valid = 0, compared = 0, winograd = 0;
            var invalidById = new SortedDictionary<string, int>(StringComparer.Ordinal);
            for (int round = 0; round < Rounds; round++)
            {
                var models = Enumerable.Range(0, ModelsPerRound).Select(i => NewModel(random, $"R{round}M{i}", allowCSharpErrors: false)).ToList();
                var (source, spans) = Source(models);
                var (result, compilation) = GeneratorHarness.Run(source);
                Assert.Null(result.Exception);
                Assert.DoesNotContain(result.Diagnostics, d => d.Id == "GENCONV000");
                Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
                Assembly assembly = GeneratorHarness.Load(compilation);
                for (int m = 0; m < models.Count; m++)
                {
                    RandomModel model = models[m];
                    string[] ids = result.Diagnostics.Where(d => spans[m].Contains(d.Location.SourceSpan.Start)).Select(d => d.Id).ToArray();
                    bool hasCode = result.GeneratedSources.Any(s => s.HintName.EndsWith(model.TypeName.Split('.').Last() + ".GenConv.g.cs", StringComparison.Ordinal));
                    if (model.ExpectedId is null)
                    {
                        Assert.True(ids.Length == 0 && hasCode, $"{model.TypeName} should be valid but got [{string.Join(", ", ids)}]:\n{model.Declaration}");
                        IGenConvModel generated = GeneratorHarness.Create(assembly, model.TypeName, maxBatch: 2, seed: m);
                        try
                        {
                            GeneratedVsGenericTests.CompareWithGeneric(generated, batch: 2, seed: round * 1000 + m);
                        }
                        catch (Exception exception) when (exception is not OutOfMemoryException)
                        {
                            throw new Xunit.Sdk.XunitException($"{model.TypeName} differs from the generic runners:\n{model.Declaration}\n{exception.Message}");
                        }
                        valid++;
                        compared++;
                        if (model.Declaration.Contains("Winograd = true", StringComparison.Ordinal)) winograd++;
                    }
                    else
                    {
                        Assert.False(hasCode, $"{model.TypeName} got code despite its fault:\n{model.Declaration}");
                        Assert.True(ids.Contains(model.ExpectedId), $"{model.TypeName} should get {model.ExpectedId} but got [{string.Join(", ", ids)}]:\n{model.Declaration}");
                        invalidById[model.ExpectedId] = invalidById.GetValueOrDefault(model.ExpectedId) + 1;
                    }
                }
            }

            // Arguments of the wrong type are C# errors already; the generator must still name the argument, not crash.
            int wrongTypes = 0;
            for (int round = 0; round < 2; round++)
            {
                var models = Enumerable.Range(0, 40).Select(i => NewModel(random, $"W{round}M{i}", allowCSharpErrors: true)).ToList();
                var (source, spans) = Source(models);
                var (result, _) = GeneratorHarness.Run(source);
                Assert.Null(result.Exception);
                for (int m = 0; m < models.Count; m++)
                {
                    string[] ids = result.Diagnostics.Where(d => spans[m].Contains(d.Location.SourceSpan.Start)).Select(d => d.Id).ToArray();
                    if (models[m].ExpectedId is { } expected) Assert.True(ids.Contains(expected), $"{models[m].TypeName} should get {expected} but got [{string.Join(", ", ids)}]:\n{models[m].Declaration}");
                    wrongTypes++;
                }
            }

            int invalid = invalidById.Values.Sum();
            output.WriteLine($"{valid + invalid + wrongTypes} random models: {valid} valid (each compiled and compared with naive and im2col, " +
                             $"forward and backward), {invalid} with one injected fault, {wrongTypes} that are C# errors as well (wrong-typed arguments, structs).");
            output.WriteLine($"{winograd} of the valid ones have a Winograd convolution");
            output.WriteLine("faults by diagnostic: " + string.Join(", ", invalidById.Select(p => $"{p.Key} ×{p.Value}")));
            Assert.True(valid >= 500 && invalid >= 300, $"{valid} valid, {invalid} invalid");
            Assert.True(invalidById.Count >= 12, "every fault kind should occur");
            Assert.True(winograd >= 50, $"{winograd} valid models with a Winograd convolution");
        }

        private static (string Source, TextSpanRange[] Spans) Source(IReadOnlyList<RandomModel> models)
        {
            var source = new StringBuilder("using GenConv;\n");
            var spans = new TextSpanRange[models.Count];
            for (int m = 0; m < models.Count; m++)
            {
                int start = source.Length;
                source.Append(models[m].Declaration).Append('\n');
                spans[m] = new TextSpanRange(start, source.Length);
            }
            return (source.ToString(), spans);
        }

        private readonly record struct TextSpanRange(int Start, int End)
        {
            public bool Contains(int position) => position >= Start && position < End;
        }

        private static readonly string[] Faults =
        {
            "GENCONV001", "GENCONV002", "GENCONV003", "GENCONV004", "GENCONV005", "GENCONV006", "GENCONV007",
            "GENCONV009", "GENCONV010", "GENCONV012", "GENCONV013", "GENCONV014", "GENCONV018",
        };

        /// <summary>A valid random model, or (about 40 % of the time) one with a single injected fault.</summary>
        private static RandomModel NewModel(SeededRandom random, string name, bool allowCSharpErrors)
        {
            // Structs and wrong-typed arguments are C# errors too (the attributes only allow classes), so they get rounds of their own.
            string? fault = allowCSharpErrors ? (random.NextInt(3) == 0 ? "GENCONV009:struct" : "GENCONV011")
                : random.NextInt(5) < 2 ? Faults[random.NextInt(Faults.Length)] : null;
            int inputC = 1 + random.NextInt(4), inputH = 1 + random.NextInt(12), inputW = 1 + random.NextInt(12);
            var shape = (C: inputC, H: inputH, W: inputW);
            int count = 1 + random.NextInt(4), faultAt = random.NextInt(count);
            var layers = new List<string>();
            for (int l = 0; l < count; l++)
                layers.Add(l == faultAt && fault is not null ? FaultyLayer(random, ref shape, fault, l) : RandomLayer(random, ref shape, l));
            if (fault == "GENCONV010") layers.Clear();
            string input = fault == "GENCONV002"
                ? $"[GenConvModel({inputC}, {(random.NextInt(2) == 0 ? 0 : -3)}, {inputW})]"
                : random.NextInt(2) == 0 ? $"[GenConvModel({inputC}, {inputH}, {inputW})]"
                : $"[GenConvModel(InputChannels = {inputC}, InputHeight = {inputH}, InputWidth = {inputW})]";
            return Declare(random, name, input + "\n" + string.Join("\n", layers), fault);
        }

        /// <summary>A layer valid for the current shape, which it updates (PyTorch's floor formulas).</summary>
        private static string RandomLayer(SeededRandom random, ref (int C, int H, int W) shape, int index)
        {
            string nameArgument = random.NextInt(6) == 0 ? $", Name = \"layer{index}\"" : "";
            switch (random.NextInt(8))
            {
                case 0:
                case 1:
                {
                    int oc = 1 + random.NextInt(6);
                    if (random.NextInt(4) == 0)
                    {
                        // A Winograd convolution: 3×3, stride 1, each side padded by 0 or 1 so that the output's sides are even.
                        int top = random.NextInt(2), bottom = (shape.H + top) % 2, left = random.NextInt(2), right = (shape.W + left) % 2;
                        int height = shape.H + top + bottom - 2, width = shape.W + left + right - 2;
                        if (height >= 2 && width >= 2)
                        {
                            shape = (oc, height, width);
                            return $"[Conv2D(OutChannels = {oc}, Kernel = 3, PadTop = {top}, PadBottom = {bottom}, PadLeft = {left}, PadRight = {right}, Winograd = true{nameArgument})]";
                        }
                    }
                    int pt = random.NextInt(3), pb = random.NextInt(3), pl = random.NextInt(3), pr = random.NextInt(3);
                    if (random.NextInt(2) == 0) pb = pl = pr = pt;
                    int kh = 1 + random.NextInt(Math.Min(5, shape.H + pt + pb)), kw = 1 + random.NextInt(Math.Min(5, shape.W + pl + pr));
                    int sh = 1 + random.NextInt(3), sw = random.NextInt(2) == 0 ? sh : 1 + random.NextInt(3);
                    string bias = random.NextInt(4) == 0 ? ", Bias = false" : "";
                    bool symmetric = kh == kw && sh == sw && pt == pb && pb == pl && pl == pr;
                    string arguments = symmetric && random.NextInt(2) == 0
                        ? $"{oc}, {kh}, Stride = {sh}, Padding = {pt}"
                        : $"OutChannels = {oc}, KernelH = {kh}, KernelW = {kw}, StrideH = {sh}, StrideW = {sw}, PadTop = {pt}, PadBottom = {pb}, PadLeft = {pl}, PadRight = {pr}";
                    shape = (oc, (shape.H + pt + pb - kh) / sh + 1, (shape.W + pl + pr - kw) / sw + 1);
                    return $"[Conv2D({arguments}{bias}{nameArgument})]";
                }
                case 2:
                case 3:
                {
                    string kind = random.NextInt(2) == 0 ? "MaxPool2D" : "AvgPool2D";
                    int kh = 1 + random.NextInt(Math.Min(4, shape.H)), kw = 1 + random.NextInt(Math.Min(4, shape.W));
                    int ph = random.NextInt(kh / 2 + 1), pw = random.NextInt(kw / 2 + 1);
                    bool strideGiven = random.NextInt(2) == 0;
                    int sh = strideGiven ? 1 + random.NextInt(3) : kh, sw = strideGiven ? 1 + random.NextInt(3) : kw;
                    string arguments = $"KernelH = {kh}, KernelW = {kw}, PadH = {ph}, PadW = {pw}" + (strideGiven ? $", StrideH = {sh}, StrideW = {sw}" : "");
                    if (kind == "AvgPool2D" && random.NextInt(2) == 0) arguments += ", CountIncludePad = false";
                    shape = (shape.C, (shape.H + 2 * ph - kh) / sh + 1, (shape.W + 2 * pw - kw) / sw + 1);
                    return $"[{kind}({arguments})]";
                }
                case 4:
                {
                    int features = 1 + random.NextInt(12);
                    shape = (features, 1, 1);
                    return random.NextInt(2) == 0 ? $"[Dense({features}{nameArgument})]" : $"[Dense(OutFeatures = {features}, Bias = {(random.NextInt(3) == 0 ? "false" : "true")})]";
                }
                default:
                    return new[] { "[ReLU]", "[LeakyReLU]", "[LeakyReLU(0.2f)]", "[Sigmoid]", "[Tanh]", "[ReLU()]" }[random.NextInt(6)];
            }
        }

        /// <summary>A layer carrying the given fault (it leaves the shape alone: later layers may fail too, which is fine).</summary>
        private static string FaultyLayer(SeededRandom random, ref (int C, int H, int W) shape, string fault, int index) => fault switch
        {
            "GENCONV003" => new[] { "[Conv2D(OutChannels = 0, Kernel = 1)]", "[Conv2D(-2, 1)]", "[Dense(OutFeatures = 0)]", "[MaxPool2D(KernelH = -1, KernelW = 1)]", "[Conv2D(OutChannels = 2)]" }[random.NextInt(5)],
            "GENCONV004" => new[] { "[Conv2D(OutChannels = 2, Kernel = 1, Stride = 0)]", "[AvgPool2D(Kernel = 1, StrideW = -1)]", "[Conv2D(2, 1, StrideH = -4)]" }[random.NextInt(3)],
            "GENCONV005" => new[] { "[Conv2D(OutChannels = 2, Kernel = 1, PadLeft = -1)]", "[Conv2D(2, 1, Padding = -2)]" }[random.NextInt(2)],
            "GENCONV006" => random.NextInt(2) == 0 ? $"[Conv2D(OutChannels = 2, KernelH = {shape.H + 1}, KernelW = 1)]" : $"[MaxPool2D(KernelH = 1, KernelW = {shape.W + 1})]",
            "GENCONV007" => $"[{(random.NextInt(2) == 0 ? "MaxPool2D" : "AvgPool2D")}(Kernel = 2, Padding = {2 + random.NextInt(3)})]",
            "GENCONV012" => random.NextInt(2) == 0 ? "[Dense(OutFeatures = 200000000)]" : "[Conv2D(OutChannels = 1000000000, Kernel = 1)]",
            "GENCONV013" => $"[LeakyReLU(Slope = float.{(random.NextInt(2) == 0 ? "NaN" : "PositiveInfinity")})]",
            "GENCONV014" => "[Dense(3, Name = \"dup\")][ReLU][Dense(2, Name = \"dup\")]",
            "GENCONV018" => new[] { "[Conv2D(OutChannels = 2, Kernel = 1, Winograd = true)]", "[Conv2D(2, 3, Stride = 2, Padding = 1, Winograd = true)]" }[random.NextInt(2)],
            "GENCONV009:struct" => RandomLayer(random, ref shape, index),
            "GENCONV011" => new[] { "[Conv2D(OutChannels = \"2\", Kernel = 1)]", "[Dense(OutFeatures = 2.5)]", "[LeakyReLU(Slope = \"steep\")]", "[MaxPool2D(Kernel = true)]" }[random.NextInt(4)],
            _ => RandomLayer(random, ref shape, index), // the fault is in the declaration, not in a layer
        };

        private static RandomModel Declare(SeededRandom random, string name, string attributes, string? fault)
        {
            string keyword = "partial class";
            string modifiers = new[] { "public", "internal", "public sealed", "internal sealed" }[random.NextInt(4)];
            string typeName = name;
            string body = "{ }";
            if (fault == "GENCONV001") keyword = "class";
            if (fault == "GENCONV009:struct") (fault, keyword, modifiers) = ("GENCONV009", "partial struct", "public");
            if (fault == "GENCONV009")
            {
                switch (random.NextInt(5))
                {
                    case 0: keyword = "partial record"; break;
                    case 1: keyword = "partial record class"; break;
                    case 2: typeName = name + "<T>"; break;
                    case 3: modifiers = "public static"; break;
                    default:
                        // nested: the attributes sit on the inner type
                        return Wrap(random, name, $"public partial class Outer{name} {{\n{attributes}\npublic partial class {name} {{ }}\n}}", fault);
                }
            }
            return Wrap(random, name, $"{attributes}\n{modifiers} {keyword} {typeName} {body}", fault);
        }

        private static RandomModel Wrap(SeededRandom random, string name, string declaration, string? fault)
        {
            switch (random.NextInt(3))
            {
                case 0: return new RandomModel($"namespace N{name}\n{{\n{declaration}\n}}", $"N{name}.{name}", fault);
                case 1: return new RandomModel($"namespace A{name}.B\n{{\n{declaration}\n}}", $"A{name}.B.{name}", fault);
                default: return new RandomModel($"namespace O{name}\n{{\nnamespace I\n{{\n{declaration}\n}}\n}}", $"O{name}.I.{name}", fault);
            }
        }

    }
}
