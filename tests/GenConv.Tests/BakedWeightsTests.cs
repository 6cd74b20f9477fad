using System;
using System.Linq;
using System.Text;
using GenConv.Model;
using GenConv.Tests.Infrastructure;
using GenConv.Weights;
using Microsoft.CodeAnalysis;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>
    /// Weights baked in at build time from a safetensors file (as the GenConv build targets pass it: base64 AdditionalFiles):
    /// the model starts with exactly those weights, from constant data; a missing, corrupt or mismatched file is a
    /// compile-time diagnostic on the Weights argument.
    /// </summary>
    public sealed class BakedWeightsTests
    {
        private const string Layers = "[Conv2D(4, 3, Padding = 1)] [ReLU] [AvgPool2D(2)] [Dense(5, Name = \"head\")]";

        private static ModelDescription Description => new GenericModel(new TensorShape(2, 6, 6),
            new[] { LayerSpec.Conv2D(4, 3, padding: 1), LayerSpec.Activation(LayerKind.ReLU), LayerSpec.AvgPool2D(2), LayerSpec.Dense(5, name: "head") },
            GenericAlgorithm.Naive).Description;

        private static string Source(string weights, string extra = "") =>
            $"using GenConv; namespace B {{ [GenConvModel(2, 6, 6, Weights = \"{weights}\"{extra})] {Layers} public partial class M {{ }} }}";

        private static AdditionalText File(string name, byte[] safetensors) =>
            new GeneratorHarness.InMemoryText("/obj/genconv/" + name + ".base64", Convert.ToBase64String(safetensors));

        [Theory]
        [InlineData("")]
        [InlineData(", InferenceOnly = true")]
        public void BakedModelStartsWithTheFileWeightsBitForBit(string extra)
        {
            float[] weights = Numerics.Random(Description.ParameterCount, 42);
            weights[0] = -0f;
            weights[1] = float.Epsilon;
            var (result, output) = GeneratorHarness.Run(new[] { File("w.safetensors", SafeTensors.Serialize(Description, weights)) }, Source("models/w.safetensors", extra));
            Assert.Empty(result.Diagnostics);
            var model = GeneratorHarness.Create(GeneratorHarness.Load(output), "B.M", 2, seed: 99);
            Assert.Equal(weights.Select(BitConverter.SingleToInt32Bits), model.Parameters.ToArray().Select(BitConverter.SingleToInt32Bits));

            var reference = new GenericModel(Description, GenericAlgorithm.Naive, 2);
            weights.CopyTo(reference.Parameters);
            float[] x = Numerics.Random(2 * 72, 1), expected = new float[10], actual = new float[10];
            reference.Forward(x, expected);
            model.Forward(x, actual);
            Numerics.AssertClose(expected, actual, expected.Select(MathF.Abs).ToArray(), 40, "baked forward", normwise: true);
            Assert.Contains("ReadOnlySpan<byte> BakedParameters => new byte[]", result.GeneratedSources.Single().SourceText.ToString());
        }

        [Fact]
        public void ProblemsWithTheFileAreDiagnosticsOnTheWeightsArgument()
        {
            float[] weights = new float[Description.ParameterCount];
            byte[] good = SafeTensors.Serialize(Description, weights);
            var otherShape = new GenericModel(new TensorShape(2, 6, 6),
                new[] { LayerSpec.Conv2D(3, 3, padding: 1), LayerSpec.Activation(LayerKind.ReLU), LayerSpec.AvgPool2D(2), LayerSpec.Dense(5, name: "head") }, GenericAlgorithm.Naive).Description;
            byte[] wrongShape = SafeTensors.Serialize(otherShape, new float[otherShape.ParameterCount]);
            byte[] wrongDtype = Replace(good, "\"F32\"", "\"F16\"");
            byte[] wrongName = Replace(good, "\"head.bias\"", "\"tail.bias\"");
            var cases = new (string Id, AdditionalText[] Files, string Message)[]
            {
                ("GENCONV015", Array.Empty<AdditionalText>(), "GenConvWeights"),
                ("GENCONV015", new[] { File("other.safetensors", good) }, "w.safetensors"),
                ("GENCONV016", new[] { File("w.safetensors", good.Take(good.Length - 7).ToArray()) }, "data offsets"),
                ("GENCONV016", new[] { File("w.safetensors", good.Take(20).ToArray()) }, "header length"),
                ("GENCONV016", new[] { new GeneratorHarness.InMemoryText("/w.safetensors.base64", "not base64 at all!") }, "base64"),
                ("GENCONV017", new[] { File("w.safetensors", wrongShape) }, "shape [3, 2, 3, 3], expected [4, 2, 3, 3]"),
                ("GENCONV017", new[] { File("w.safetensors", wrongDtype) }, "dtype F16"),
                ("GENCONV017", new[] { File("w.safetensors", wrongName) }, "no tensor 'head.bias'"),
            };
            foreach (var (id, files, message) in cases)
            {
                string source = Source("w.safetensors");
                var (result, _) = GeneratorHarness.Run(files, source);
                Diagnostic diagnostic = Assert.Single(result.Diagnostics);
                Assert.Equal(id, diagnostic.Id);
                Assert.Contains(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal("Weights = \"w.safetensors\"", source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
                Assert.Empty(result.GeneratedSources);
            }
        }

        private static byte[] Replace(byte[] safetensors, string from, string to)
        {
            // Same-length replacements inside the JSON header keep every offset valid.
            Assert.Equal(from.Length, to.Length);
            int headerEnd = 8 + (int)BitConverter.ToUInt64(safetensors, 0);
            string header = Encoding.UTF8.GetString(safetensors, 8, headerEnd - 8);
            Assert.Contains(from, header);
            byte[] copy = (byte[])safetensors.Clone();
            Encoding.UTF8.GetBytes(header.Replace(from, to, StringComparison.Ordinal)).CopyTo(copy, 8);
            return copy;
        }
    }
}
