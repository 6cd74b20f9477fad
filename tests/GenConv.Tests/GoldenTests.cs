using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using GenConv.Tests.Infrastructure;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>
    /// The generated source for LeNet-5, byte for byte. After an intended change to emitted code, run
    /// <c>GENCONV_UPDATE_GOLDEN=1 dotnet test tests/GenConv.Tests -c Release --filter Golden</c> and review the diff.
    /// </summary>
    public sealed class GoldenTests
    {
        private const string LeNet5Source = """
            using GenConv;

            namespace Golden
            {
                [GenConvModel(InputChannels = 1, InputHeight = 28, InputWidth = 28)]
                [Conv2D(OutChannels = 6, Kernel = 5, Padding = 2)]
                [ReLU]
                [MaxPool2D(Kernel = 2)]
                [Conv2D(OutChannels = 16, Kernel = 5)]
                [ReLU]
                [MaxPool2D(Kernel = 2)]
                [Dense(OutFeatures = 120)] [ReLU] [Dense(OutFeatures = 84)] [ReLU] [Dense(OutFeatures = 10)]
                public partial class LeNet5 { }
            }
            """;

        [Fact]
        public void LeNet5GeneratedSourceMatchesGolden()
        {
            var (result, _) = GeneratorHarness.Run(LeNet5Source);
            string generated = Assert.Single(result.GeneratedSources).SourceText.ToString();
            if (Environment.GetEnvironmentVariable("GENCONV_UPDATE_GOLDEN") == "1")
            {
                File.WriteAllText(Path.Combine(Dotnet.TestProjectDirectory, "Golden", "LeNet5.g.cs"), generated);
                return; // the copy beside the assembly is refreshed by the next build
            }
            // Compared with the copy next to the test assembly: source paths are remapped in CI builds.
            string path = Path.Combine(AppContext.BaseDirectory, "Golden", "LeNet5.g.cs");
            Assert.True(File.Exists(path), $"Golden file {path} is missing; create it with GENCONV_UPDATE_GOLDEN=1.");
            string golden = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
            if (golden != generated)
            {
                string[] a = golden.Split('\n'), b = generated.Split('\n');
                int line = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => a[i] != b[i], Math.Min(a.Length, b.Length));
                Assert.Fail($"Generated LeNet-5 differs from {path} at line {line + 1}:\n golden:    {(line < a.Length ? a[line] : "<end>")}\n generated: {(line < b.Length ? b[line] : "<end>")}\n" +
                            "If the change is intended, run with GENCONV_UPDATE_GOLDEN=1 and review the diff.");
            }
        }

        [Fact]
        public void GenerationIsDeterministic()
        {
            string first = Assert.Single(GeneratorHarness.Run(LeNet5Source).Result.GeneratedSources).SourceText.ToString();
            string second = Assert.Single(GeneratorHarness.Run(LeNet5Source).Result.GeneratedSources).SourceText.ToString();
            Assert.Equal(first, second);
        }

        [Fact]
        public void GenerationIgnoresTheCurrentCulture()
        {
            const string source = "using GenConv; namespace C { [GenConvModel(InputChannels = 2, InputHeight = 5, InputWidth = 5)] " +
                "[Conv2D(OutChannels = 3, Kernel = 2)] [LeakyReLU(Slope = 0.125f)] [LeakyReLU(Slope = -0.25f)] [AvgPool2D(Kernel = 2)] [Dense(OutFeatures = 1234567)] public partial class M { } }";
            string invariant = Assert.Single(GeneratorHarness.Run(source).Result.GeneratedSources).SourceText.ToString();
            var hostile = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            hostile.NumberFormat.NumberDecimalSeparator = ",";
            hostile.NumberFormat.NumberGroupSeparator = ".";
            hostile.NumberFormat.NegativeSign = "\u2212";
            CultureInfo saved = CultureInfo.CurrentCulture;
            try
            {
                CultureInfo.CurrentCulture = hostile;
                string underHostile = Assert.Single(GeneratorHarness.Run(source).Result.GeneratedSources).SourceText.ToString();
                Assert.Equal(invariant, underHostile);
                Assert.Contains("0.125f", underHostile);
                Assert.Contains("-0.25f", underHostile);
            }
            finally
            {
                CultureInfo.CurrentCulture = saved;
            }
        }

        /// <summary>Several models over several files: each model's code is the same whatever the order of the files.</summary>
        [Fact]
        public void GenerationIgnoresFileOrder()
        {
            string[] files = Enumerable.Range(0, 4).Select(i =>
                $"using GenConv; namespace F{i} {{ [GenConvModel(1, {6 + i}, 7)] [Conv2D(2, 3, Padding = {i % 2})] [Tanh] [Dense({i + 2})] public partial class M{i} {{ }} }}").ToArray();
            string Generated(string[] order) => string.Join("\n", GeneratorHarness.Run(order).Result.GeneratedSources
                .OrderBy(s => s.HintName, StringComparer.Ordinal).Select(s => s.HintName + "\n" + s.SourceText));
            string forward = Generated(files);
            Assert.Equal(forward, Generated(files.Reverse().ToArray()));
            Assert.Equal(forward, Generated(new[] { files[2], files[0], files[3], files[1] }));
        }
    }
}
