using System;
using System.Linq;
using System.Reflection;
using GenConv.Tests.Infrastructure;
using GenConv.Training;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>InferenceOnly models: the same forward bits, no training buffers, and memory constants that match what is allocated.</summary>
    public sealed class InferenceOnlyTests
    {
        private const string Layers = "[Conv2D(6, 5, Padding = 2)] [ReLU] [MaxPool2D(2)] [Conv2D(16, 5, Stride = 2)] [Tanh] [Dense(10)]";

        private static readonly Lazy<Assembly> Models = new(() => GeneratorHarness.CompileAndLoad(
            $"using GenConv; namespace I {{ [GenConvModel(1, 28, 28)] {Layers} public partial class Training {{ }}\n" +
            $"[GenConvModel(1, 28, 28, InferenceOnly = true)] {Layers} public partial class Inference {{ }} }}"));

        private static long Constant(Type type, string name) => Convert.ToInt64(type.GetField(name)!.GetValue(null), System.Globalization.CultureInfo.InvariantCulture);

        [Fact]
        public void ForwardIsBitIdenticalAndBackwardIsAbsent()
        {
            IGenConvModel training = GeneratorHarness.Create(Models.Value, "I.Training", 4, 7), inference = GeneratorHarness.Create(Models.Value, "I.Inference", 4, 7);
            Assert.Equal(training.Parameters.ToArray(), inference.Parameters.ToArray());
            float[] x = Numerics.Random(4 * 784, 3), a = new float[40], b = new float[40];
            training.Forward(x, a);
            inference.Threads = 2;
            inference.Forward(x, b);
            Assert.Equal(a, b);
            Assert.True(inference.Gradients.IsEmpty);
            Assert.Contains("InferenceOnly", Assert.Throws<NotSupportedException>(() => inference.Backward(new float[40], Span<float>.Empty)).Message);
            var data = new Data.ImageSet(new float[4 * 784], new int[4], 28, 28);
            Assert.Equal("model", Assert.Throws<ArgumentException>(() => new Trainer(inference, new Sgd(inference.Parameters.Length, 0.1f), data, 4)).ParamName);
        }

        /// <summary>
        /// Stride-2 rows of 32 that an inference-only model reads in place on AVX-512 (each tap a permute of the row's
        /// two vectors, lanes on the padding masked): L5's shape (kernel columns 2j − 1 .. 2j + 1), a 4-wide kernel
        /// (2j − 1 .. 2j + 2, both ends masked) with 30 channels in tiles of 4 and 3 and a fused ReLU, a 3×2 kernel at
        /// row stride 3 with two padding rows and no bias (bands of 3 and 4 rows), and a 1×1 kernel of one channel.
        /// The trainable model's Forward reads the padded copy (its backward weights reads it), as every other width does;
        /// its Infer and the InferenceOnly model's Forward read in place: all three must agree bit for bit.
        /// </summary>
        [Theory]
        [InlineData("16, 32, 32", "[Conv2D(32, 3, Stride = 2, Padding = 1)]")]
        [InlineData("3, 32, 32", "[Conv2D(30, 4, Stride = 2, Padding = 1)] [ReLU]")]
        [InlineData("2, 33, 32", "[Conv2D(OutChannels = 5, KernelH = 3, KernelW = 2, StrideH = 3, StrideW = 2, PadTop = 2, Bias = false)]")]
        [InlineData("1, 32, 32", "[Conv2D(1, 1, Stride = 2)]")]
        public void RowsReadInPlaceMatchThePaddedCopyBitForBit(string input, string layers)
        {
            Assembly models = GeneratorHarness.CompileAndLoad(
                $"using GenConv; namespace P {{ [GenConvModel({input})] {layers} public partial class Training {{ }}\n" +
                $"[GenConvModel({input}, InferenceOnly = true)] {layers} public partial class Inference {{ }} }}");
            foreach (string type in new[] { "P.Training", "P.Inference" })
            {
                MethodInfo[] kernels = models.GetType(type, throwOnError: true)!.GetMethods(BindingFlags.NonPublic | BindingFlags.Static);
                Assert.Contains(kernels, m => m.Name.EndsWith("InPlace", StringComparison.Ordinal));
                Assert.Contains(kernels, m => m.Name == "Layer0Infer");
                Assert.Equal(type == "P.Training", kernels.Any(m => m.Name == "Layer0Forward")); // an InferenceOnly model has no copying Forward
            }
            IGenConvModel training = GeneratorHarness.Create(models, "P.Training", 3, 5), inference = GeneratorHarness.Create(models, "P.Inference", 3, 5);
            foreach (int batch in new[] { 1, 3 })
            {
                float[] x = Numerics.Random(batch * training.InputLength, batch), copied = new float[batch * training.OutputLength];
                float[] inferred = new float[copied.Length], inPlace = new float[copied.Length];
                training.Forward(x, copied);
                training.Infer(x, inferred);
                inference.Forward(x, inPlace);
                Assert.Equal(Bits(copied), Bits(inferred));
                Assert.Equal(Bits(copied), Bits(inPlace));
                Assert.Contains(inPlace, v => v != 0);
            }
        }

        public static TheoryData<string> WorkloadIds() => new(Workloads.WorkloadRegistry.All.Select(w => w.Id));

        /// <summary>Each workload's InferenceOnly twin (InferenceModels.cs, what the forward benchmarks run) is its model: same layers, parameters and forward bits.</summary>
        [Theory]
        [MemberData(nameof(WorkloadIds))]
        public void WorkloadTwinsMatchTheirTrainingModels(string id)
        {
            Workloads.Workload workload = Workloads.WorkloadRegistry.Get(id);
            IGenConvModel training = workload.Create(Workloads.Variant.Generated, maxBatch: 2, seed: 4);
            IGenConvModel inference = workload.Create(Workloads.Variant.Generated, maxBatch: 2, seed: 4, inferenceOnly: true);
            Assert.True(inference.Gradients.IsEmpty);
            Assert.Equal(Shapes(workload.Description), Shapes(inference.Description));
            Assert.Equal(training.Parameters.ToArray(), inference.Parameters.ToArray());
            float[] x = Numerics.Random(2 * training.InputLength, 9), a = new float[2 * training.OutputLength], b = new float[a.Length];
            training.Forward(x, a);
            inference.Forward(x, b);
            Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));
        }

        /// <summary>
        /// Infer on every workload, generated and generic, on 1 and 2 threads: Forward's bits, and no Backward after it (it
        /// keeps nothing for one); an Infer between a Forward and a Backward refuses that Backward too, and a later Forward
        /// and Backward give the gradients they give without it.
        /// </summary>
        [Theory]
        [MemberData(nameof(WorkloadIds))]
        public void InferGivesForwardsBitsAndNoBackward(string id)
        {
            Workloads.Workload workload = Workloads.WorkloadRegistry.Get(id);
            foreach (Workloads.Variant variant in new[] { Workloads.Variant.Generated, Workloads.Variant.GenericNaive })
                foreach (int threads in variant == Workloads.Variant.Generated ? new[] { 1, 2 } : new[] { 1 })
                {
                    IGenConvModel model = workload.Create(variant, maxBatch: 3, seed: 6), reference = workload.Create(variant, maxBatch: 3, seed: 6);
                    model.Threads = threads;
                    float[] x = Numerics.Random(3 * model.InputLength, 2), other = Numerics.Random(3 * model.InputLength, 3);
                    float[] y = new float[3 * model.OutputLength], inferred = new float[y.Length], dy = Numerics.Random(y.Length, 4);
                    model.Forward(x, y);
                    model.Infer(x, inferred);
                    Assert.Equal(Bits(y), Bits(inferred));
                    Assert.Contains("Forward", Assert.Throws<InvalidOperationException>(() => model.Backward(dy, Span<float>.Empty)).Message);
                    model.Infer(other, inferred);
                    model.Forward(x, y);
                    model.Infer(other, inferred); // another batch between a Forward and its Backward: that Backward is refused
                    Assert.Throws<InvalidOperationException>(() => model.Backward(dy, Span<float>.Empty));
                    // Whatever Infer left in the model's buffers and caches, a Forward and Backward give a fresh model's gradients.
                    model.Forward(x, y);
                    model.Backward(dy, Span<float>.Empty);
                    reference.Forward(x, y);
                    reference.Backward(dy, Span<float>.Empty);
                    Assert.Equal(Bits(reference.Gradients.ToArray()), Bits(model.Gradients.ToArray()));
                }
        }

        private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

        private static string Shapes(ModelDescription description) =>
            string.Join("; ", description.Layers.Select(g => $"{g.Layer} {g.Input} -> {g.Output}"));

        [Theory]
        [InlineData("I.Training", 1)]
        [InlineData("I.Training", 16)]
        [InlineData("I.Inference", 1)]
        [InlineData("I.Inference", 16)]
        public void MemoryConstantsMatchWhatIsAllocated(string typeName, int maxBatch)
        {
            Type type = Models.Value.GetType(typeName, throwOnError: true)!;
            GeneratorHarness.Create(Models.Value, typeName, maxBatch, 0); // warm up
            long allocated = Allocations.LeastOfThree(() => GC.KeepAlive(GeneratorHarness.Create(Models.Value, typeName, maxBatch, 0)));
            long planned = (long)type.GetMethod("MemoryBytes")!.Invoke(null, new object[] { maxBatch, 1 })!;
            Assert.InRange(allocated - planned, 0, 2048); // the object, array headers and the reflection call's boxing
            long parameterBytes = Constant(type, "ParameterBytes");
            Assert.Equal(4L * Constant(type, "ParameterCount"), parameterBytes);
            // Inference holds nothing per model but the weights, and each buffer's 60 bytes of alignment slack.
            long slack = Constant(type, "InferenceFixedBytes") - parameterBytes;
            Assert.True(slack > 0 && slack % (4 * AlignedBuffer.SlackFloats) == 0 && slack < 4096, $"alignment slack {slack}");
            if (typeName == "I.Inference")
                Assert.Equal(Constant(type, "InferenceFixedBytes") + maxBatch * Constant(type, "InferenceBytesPerSample") + Constant(type, "InferenceScratchBytesPerThread"), planned);
            else
            {
                Assert.Equal(Constant(type, "TrainingFixedBytes") + maxBatch * Constant(type, "TrainingBytesPerSample") + Constant(type, "TrainingScratchBytesPerThread"), planned);
                Assert.True(Constant(type, "TrainingScratchBytesPerThread") > 0); // the stride-2 conv's padded dY for backward data
                Assert.True(Constant(type, "TrainingBytesPerSample") > Constant(type, "InferenceBytesPerSample"));
                Assert.Equal(2 * parameterBytes, 4L * new Adam((int)(parameterBytes / 4)).State.Length); // Adam state: 2 × ParameterBytes
                Assert.Equal(parameterBytes, 4L * new Sgd((int)(parameterBytes / 4), 0.1f, momentum: 0.9f).State.Length);
            }
        }
    }
}
