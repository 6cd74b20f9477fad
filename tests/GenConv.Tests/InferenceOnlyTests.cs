using System;
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

        [Theory]
        [InlineData("I.Training", 1)]
        [InlineData("I.Training", 16)]
        [InlineData("I.Inference", 1)]
        [InlineData("I.Inference", 16)]
        public void MemoryConstantsMatchWhatIsAllocated(string typeName, int maxBatch)
        {
            Type type = Models.Value.GetType(typeName, throwOnError: true)!;
            GeneratorHarness.Create(Models.Value, typeName, maxBatch, 0); // warm up
            long allocated = long.MaxValue;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                IGenConvModel model = GeneratorHarness.Create(Models.Value, typeName, maxBatch, 0);
                allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
                GC.KeepAlive(model);
            }
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
