using System;
using System.Collections.Generic;
using System.Linq;
using GenConv.Training;
using GenConv.Weights;
using GenConv.Workloads;
using Xunit;
using Xunit.Abstractions;

namespace GenConv.Tests
{
    /// <summary>
    /// Every public entry point that takes spans rejects wrong lengths, batches and labels before touching memory: the
    /// exception names the parameter, the expected and the actual size, and canary floats around every buffer, the
    /// outputs and the weights are unchanged afterwards. Spans at odd (misaligned) offsets give bit-identical results.
    /// </summary>
    public sealed class ApiMisuseTests
    {
        private const int Guard = 19; // canary floats on each side of every span
        private const float Canary = -1234.5678f;
        private readonly ITestOutputHelper output;

        public ApiMisuseTests(ITestOutputHelper output) => this.output = output;

        public static IEnumerable<object[]> Models() => new[] { "M1", "M2", "L1", "L5", "L6", "L8" }.Select(id => new object[] { id });

        private static IEnumerable<IGenConvModel> Implementations(string id, int maxBatch)
        {
            Workload workload = WorkloadRegistry.Get(id);
            yield return workload.Create(Variant.Generated, maxBatch, 1);
            yield return workload.Create(Variant.GenericIm2col, maxBatch, 1);
        }

        [Theory]
        [MemberData(nameof(Models))]
        public void ForwardAndBackwardRejectBadSpansWithoutTouchingMemory(string id)
        {
            int cases = 0;
            foreach (IGenConvModel model in Implementations(id, maxBatch: 3))
            {
                int inLength = model.InputLength, outLength = model.OutputLength;
                float[] weights = model.Parameters.ToArray();
                Assert.Throws<InvalidOperationException>(() => model.Backward(new float[outLength], Span<float>.Empty)); // no Forward yet

                // (input floats, output floats, the parameter that is wrong)
                var forwardCases = new (int Input, int Output, string Parameter)[]
                {
                    (0, 0, "input"), (inLength - 1, outLength, "input"), (inLength + 1, outLength, "input"), (2 * inLength - 1, 2 * outLength, "input"),
                    (4 * inLength, 4 * outLength, "input"), // more samples than maxBatch
                    (inLength, outLength - 1, "output"), (inLength, outLength + 1, "output"), (2 * inLength, outLength, "output"), (inLength, 0, "output"),
                };
                foreach (var (inputLength, outputLength, parameter) in forwardCases)
                {
                    using var input = new Canaried(inputLength, fill: 0.5f);
                    using var result = new Canaried(outputLength, fill: 7f);
                    var exception = Assert.ThrowsAny<ArgumentException>(() => model.Forward(input.Span, result.Span));
                    AssertNames(exception, parameter, inputLength, outputLength);
                    result.AssertUntouched(7f);
                    cases++;
                }

                model.Forward(new float[2 * inLength], new float[2 * outLength]); // a valid batch of 2 for the Backward cases
                var backwardCases = new (int OutputGradient, int InputGradient, string Parameter)[]
                {
                    (2 * outLength - 1, 0, "outputGradient"), (2 * outLength + 1, 0, "outputGradient"), (outLength, 0, "outputGradient"), (0, 0, "outputGradient"),
                    (2 * outLength, 2 * inLength - 1, "inputGradient"), (2 * outLength, inLength, "inputGradient"), (2 * outLength, 2 * inLength + 1, "inputGradient"),
                };
                float[] gradientsBefore = model.Gradients.ToArray();
                foreach (var (gradientLength, inputGradientLength, parameter) in backwardCases)
                {
                    using var gradient = new Canaried(gradientLength, fill: 0.25f);
                    using var inputGradient = new Canaried(inputGradientLength, fill: 3f);
                    var exception = Assert.ThrowsAny<ArgumentException>(() => model.Backward(gradient.Span, inputGradient.Span));
                    AssertNames(exception, parameter, gradientLength, inputGradientLength);
                    inputGradient.AssertUntouched(3f);
                    Assert.Equal(gradientsBefore, model.Gradients.ToArray());
                    cases++;
                }
                Assert.Equal(weights, model.Parameters.ToArray());
            }
            output.WriteLine($"{id}: {cases} misuse cases rejected, memory untouched");
        }

        [Theory]
        [MemberData(nameof(Models))]
        public void MisalignedSpansGiveBitIdenticalResults(string id)
        {
            foreach (IGenConvModel model in Implementations(id, maxBatch: 2))
            {
                float[] x = Infrastructure.Numerics.Random(2 * model.InputLength, 5), dy = Infrastructure.Numerics.Random(2 * model.OutputLength, 6);
                float[] y = new float[dy.Length], dx = new float[x.Length];
                model.Forward(x, y);
                model.Backward(dy, dx);
                float[] gradients = model.Gradients.ToArray();
                foreach (int offset in new[] { 1, 3 })
                {
                    using var input = new Canaried(x.Length, 0f, offset);
                    using var result = new Canaried(y.Length, 0f, offset + 1);
                    using var gradient = new Canaried(dy.Length, 0f, offset + 2);
                    using var inputGradient = new Canaried(dx.Length, 0f, offset);
                    x.CopyTo(input.Span);
                    dy.CopyTo(gradient.Span);
                    model.Forward(input.Span, result.Span);
                    model.Backward(gradient.Span, inputGradient.Span);
                    Assert.Equal(y, result.Span.ToArray());
                    Assert.Equal(dx, inputGradient.Span.ToArray());
                    Assert.Equal(gradients, model.Gradients.ToArray());
                    result.AssertGuardsIntact();
                    inputGradient.AssertGuardsIntact();
                }
            }
        }

        [Theory]
        [InlineData("L1")]
        [InlineData("M1")]
        public void OverlappingSpansAreRejectedBeforeAnyKernelRuns(string id)
        {
            // Generated kernels read the caller's input while other threads write the caller's output in place.
            IGenConvModel model = WorkloadRegistry.Get(id).Create(Variant.Generated, maxBatch: 1, seed: 1);
            int inLength = model.InputLength, outLength = model.OutputLength;
            float[] shared = Infrastructure.Numerics.Random(inLength + outLength, 3);
            float[] before = shared.ToArray();
            var forward = Assert.Throws<ArgumentException>(() => model.Forward(shared.AsSpan(0, inLength), shared.AsSpan(inLength - 1, outLength)));
            Assert.Contains("overlap", forward.Message);
            Assert.Equal(before, shared);
            Assert.Throws<InvalidOperationException>(() => model.Backward(new float[outLength], Span<float>.Empty)); // the failed Forward left no batch

            model.Forward(shared.AsSpan(0, inLength), new float[outLength]);
            float[] gradients = model.Gradients.ToArray();
            Assert.Throws<ArgumentException>(() => model.Backward(shared.AsSpan(0, outLength), shared.AsSpan(outLength - 1, inLength)));
            Assert.Equal(before, shared);
            Assert.Equal(gradients, model.Gradients.ToArray());
        }

        [Fact]
        public void ConstructorsRejectImpossibleBatches()
        {
            Assert.Equal("maxBatch", Assert.Throws<ArgumentOutOfRangeException>(() => new LeNet5(maxBatch: 0)).ParamName);
            var huge = Assert.Throws<ArgumentOutOfRangeException>(() => new LeNet5(maxBatch: int.MaxValue));
            Assert.Contains("largest possible maxBatch", huge.Message);
            Assert.Equal("maxBatch", Assert.Throws<ArgumentOutOfRangeException>(() => new GenericModel(LeNet5.Description, GenericAlgorithm.Naive, maxBatch: -1)).ParamName);
        }

        [Fact]
        public void LossesOptimizersAndTrainerRejectBadArguments()
        {
            var rejected = new List<ArgumentException>();
            void Expect(string parameter, Action action)
            {
                var exception = Assert.ThrowsAny<ArgumentException>(action);
                Assert.Equal(parameter, exception.ParamName);
                rejected.Add(exception);
            }

            using var gradient = new Canaried(20, 9f);
            Expect("logits", () => SoftmaxCrossEntropy.Compute(new float[19], new[] { 1, 2 }, 10, gradient.Span));
            Expect("gradient", () => SoftmaxCrossEntropy.Compute(new float[20], new[] { 1, 2 }, 10, gradient.Span.Slice(1)));
            Expect("labels", () => SoftmaxCrossEntropy.Compute(new float[20], new[] { 1, 10 }, 10, gradient.Span));
            Expect("labels", () => SoftmaxCrossEntropy.Compute(new float[20], new[] { -1, 0 }, 10, gradient.Span));
            Expect("labels", () => SoftmaxCrossEntropy.Compute(Array.Empty<float>(), Array.Empty<int>(), 10, Span<float>.Empty));
            Expect("classes", () => SoftmaxCrossEntropy.Compute(new float[20], new[] { 0, 0 }, 0, gradient.Span));
            Expect("target", () => MeanSquaredError.Compute(new float[20], new float[19], gradient.Span));
            Expect("gradient", () => MeanSquaredError.Compute(new float[19], new float[19], gradient.Span));
            gradient.AssertUntouched(9f);

            using var parameters = new Canaried(100, 1f);
            Expect("gradients", () => new Sgd(100, 0.1f).Step(parameters.Span, new float[99]));
            Expect("parameters", () => new Sgd(100, 0.1f, momentum: 0.9f).Step(parameters.Span.Slice(1), new float[99]));
            Expect("parameters", () => new Adam(100).Step(parameters.Span.Slice(0, 50), new float[50]));
            Expect("gradients", () => new Adam(100).Step(parameters.Span, new float[101]));
            parameters.AssertUntouched(1f);

            var model = new LeNet5(maxBatch: 4);
            var data = new Data.ImageSet(new float[8 * 784], new int[8], 28, 28);
            Expect("batch", () => new Trainer(model, new Sgd(LeNet5.ParameterCount, 0.1f), data, 5));
            Expect("data", () => new Trainer(model, new Sgd(LeNet5.ParameterCount, 0.1f), new Data.ImageSet(new float[2 * 784], new[] { 0, 10 }, 28, 28), 2));
            Expect("data", () => new Trainer(model, new Sgd(LeNet5.ParameterCount, 0.1f), new Data.ImageSet(new float[2 * 900], new[] { 0, 1 }, 30, 30), 2));
            var trainer = new Trainer(model, new Sgd(LeNet5.ParameterCount, 0.1f), data, 4);
            float[] weights = model.Parameters.ToArray();
            Expect("count", () => trainer.Step(0, 5));
            Expect("start", () => trainer.Step(6, 4));
            Expect("start", () => trainer.Step(-1, 1));
            Assert.Equal(weights, model.Parameters.ToArray());
            Expect("images", () => new Data.ImageSet(new float[10], new int[1], 28, 28));
            Expect("parameters", () => SafeTensors.Serialize(LeNet5.Description, new float[10]));
            output.WriteLine($"{rejected.Count} loss, optimizer, trainer and data misuse cases rejected");
            Assert.All(rejected, e => Assert.Matches(@"\d", e.Message)); // every message states the sizes involved
        }

        private static void AssertNames(ArgumentException exception, string parameter, int first, int second)
        {
            Assert.Equal(parameter, exception.ParamName);
            string actual = (parameter is "input" or "outputGradient" ? first : second).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains(actual, exception.Message); // the actual size...
            Assert.Matches(@"\d+ (floats|samples)", exception.Message); // ...and what was expected
        }

        /// <summary>A span of <c>length</c> floats inside an array whose other floats are canaries, at an adjustable offset.</summary>
        private sealed class Canaried : IDisposable
        {
            private readonly float[] array;
            private readonly int start, length;

            public Canaried(int length, float fill, int misalignment = 0)
            {
                this.length = length;
                start = Guard + misalignment;
                array = new float[start + length + Guard];
                array.AsSpan().Fill(Canary);
                Span.Fill(fill);
            }

            public Span<float> Span => array.AsSpan(start, length);

            public void AssertGuardsIntact()
            {
                for (int i = 0; i < array.Length; i++)
                    if (i < start || i >= start + length)
                        Assert.True(BitConverter.SingleToInt32Bits(array[i]) == BitConverter.SingleToInt32Bits(Canary), $"canary {i} overwritten with {array[i]}");
            }

            public void AssertUntouched(float fill)
            {
                AssertGuardsIntact();
                foreach (float value in Span) Assert.Equal(fill, value);
            }

            public void Dispose() => AssertGuardsIntact();
        }
    }
}
