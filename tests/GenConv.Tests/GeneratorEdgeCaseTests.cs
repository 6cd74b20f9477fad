using System;
using GenConv.Tests.Infrastructure;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>Declarations the generator must handle beyond the usual namespace-level public class.</summary>
    public sealed class GeneratorEdgeCaseTests
    {
        [Theory]
        [InlineData("", "GlobalModel")]
        [InlineData("namespace A.B.C;", "A.B.C.GlobalModel")]
        [InlineData("namespace Outer { namespace Inner {", "Outer.Inner.GlobalModel")]
        public void ModelsInAnyNamespaceCompileAndMatchGeneric(string namespaceOpening, string typeName)
        {
            string closing = namespaceOpening.Contains('{') ? "} }" : "";
            string source = $"using GenConv;\n{namespaceOpening}\n" +
                "[GenConvModel(2, 6, 6)] [Conv2D(3, 3)] [ReLU] [MaxPool2D(2)] [Dense(4)] internal sealed partial class GlobalModel { }\n" + closing;
            IGenConvModel model = GeneratorHarness.Create(GeneratorHarness.CompileAndLoad(source), typeName, maxBatch: 2, seed: 1);
            Assert.Equal(4, model.OutputLength);
            GeneratedVsGenericTests.CompareWithGeneric(model, batch: 2, seed: 5);
        }

        [Fact]
        public void PositionalAndNamedArgumentsMeanTheSame()
        {
            string source = "using GenConv; namespace P {\n" +
                "[GenConvModel(1, 9, 9)] [Conv2D(4, 3, Stride = 2)] [LeakyReLU(0.2f)] [AvgPool2D(2)] [Dense(5)] public partial class Positional { }\n" +
                "[GenConvModel(InputChannels = 1, InputHeight = 9, InputWidth = 9)] [Conv2D(OutChannels = 4, Kernel = 3, Stride = 2)] [LeakyReLU(Slope = 0.2f)] [AvgPool2D(Kernel = 2)] [Dense(OutFeatures = 5)] public partial class Named { } }";
            var assembly = GeneratorHarness.CompileAndLoad(source);
            IGenConvModel positional = GeneratorHarness.Create(assembly, "P.Positional", 1, 3), named = GeneratorHarness.Create(assembly, "P.Named", 1, 3);
            Assert.Equal(named.Description.ParameterCount, positional.Description.ParameterCount);
            for (int i = 0; i < named.Description.Layers.Count; i++)
                Assert.Equal(named.Description.Layers[i].Layer, positional.Description.Layers[i].Layer);
        }
    }
}
