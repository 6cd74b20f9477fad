using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GenConv.Tests.Models;
using GenConv.Training;
using GenConv.Weights;
using Xunit;
using Xunit.Abstractions;

namespace GenConv.Tests
{
    /// <summary>
    /// Values computed by PyTorch 1.13 (Fixtures/PyTorch/make_fixtures.py, written with its own minimal safetensors
    /// writer): GenConv loads PyTorch's weights and reproduces its logits, loss, every gradient, and torch.optim's
    /// trajectories for SGD (plain, momentum with dampening and weight decay, Nesterov), Adam and AdamW.
    /// </summary>
    public sealed class PyTorchInteropTests
    {
        private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "PyTorch");
        private readonly ITestOutputHelper output;

        public PyTorchInteropTests(ITestOutputHelper output) => this.output = output;

        [Fact]
        public void LeNet5ReproducesPyTorchForwardLossAndGradients()
        {
            var model = new TorchLeNet5(maxBatch: 4);
            SafeTensors.Load(model, Path.Combine(Fixtures, "lenet5.safetensors"));
            var expected = SafeTensors.Read(Path.Combine(Fixtures, "lenet5_expected.safetensors"));

            float[] input = expected["input"].Values;
            int[] labels = expected["labels"].Values.Select(v => (int)v).ToArray();
            var logits = new float[4 * TorchLeNet5.OutputLength];
            model.Forward(input, logits);
            AssertClose(expected["logits"].Values, logits, "logits");

            var dLogits = new float[logits.Length];
            float loss = SoftmaxCrossEntropy.Compute(logits, labels, TorchLeNet5.OutputLength, dLogits);
            Assert.Equal(expected["loss"].Values[0], loss, 5);

            var dx = new float[input.Length];
            model.Backward(dLogits, dx);
            AssertClose(expected["grad.input"].Values, dx, "dL/dinput");
            foreach (ParameterTensor tensor in TorchLeNet5.Description.ParameterTensors)
                AssertClose(expected["grad." + tensor.Name].Values, model.Gradients.Slice(tensor.Offset, tensor.Length).ToArray(), "dL/d" + tensor.Name);
        }

        [Theory]
        [InlineData("sgd")]
        [InlineData("sgd_momentum")]
        [InlineData("sgd_nesterov")]
        [InlineData("adam")]
        [InlineData("adamw")]
        public void OptimizersFollowTorchOptimTrajectories(string configuration)
        {
            var fixture = SafeTensors.Read(Path.Combine(Fixtures, "smallcnn.safetensors"));
            var model = new TorchSmallCnn(maxBatch: 8);
            foreach (ParameterTensor tensor in TorchSmallCnn.Description.ParameterTensors)
                fixture["initial." + tensor.Name].Values.CopyTo(model.Parameters.Slice(tensor.Offset));
            IOptimizer optimizer = configuration switch
            {
                "sgd" => new Sgd(TorchSmallCnn.ParameterCount, 0.1f),
                "sgd_momentum" => new Sgd(TorchSmallCnn.ParameterCount, 0.05f, momentum: 0.9f, dampening: 0.1f, weightDecay: 0.01f),
                "sgd_nesterov" => new Sgd(TorchSmallCnn.ParameterCount, 0.05f, momentum: 0.9f, weightDecay: 0.001f, nesterov: true),
                "adam" => new Adam(TorchSmallCnn.ParameterCount, 0.01f, weightDecay: 0.01f),
                _ => Adam.AdamW(TorchSmallCnn.ParameterCount, 0.01f, weightDecay: 0.1f),
            };
            var logits = new float[8 * TorchSmallCnn.OutputLength];
            var dLogits = new float[logits.Length];
            for (int step = 0; step < 5; step++)
            {
                int[] labels = fixture[$"batch{step}.labels"].Values.Select(v => (int)v).ToArray();
                model.Forward(fixture[$"batch{step}.input"].Values, logits);
                float loss = SoftmaxCrossEntropy.Compute(logits, labels, TorchSmallCnn.OutputLength, dLogits);
                Assert.Equal(fixture[$"{configuration}.loss{step}"].Values[0], loss, 5);
                model.Backward(dLogits, Span<float>.Empty);
                optimizer.Step(model.Parameters, model.Gradients);
            }
            foreach (ParameterTensor tensor in TorchSmallCnn.Description.ParameterTensors)
                AssertClose(fixture[$"{configuration}.final.{tensor.Name}"].Values, model.Parameters.Slice(tensor.Offset, tensor.Length).ToArray(), $"{configuration} {tensor.Name}");
        }

        /// <summary>Within float rounding of a different summation order: 1e-4 of the tensor's largest magnitude.</summary>
        private void AssertClose(float[] expected, float[] actual, string what)
        {
            Assert.Equal(expected.Length, actual.Length);
            double scale = Math.Max(expected.Max(v => Math.Abs(v)), 1e-6), worst = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                double difference = Math.Abs(expected[i] - actual[i]);
                worst = Math.Max(worst, difference / scale);
                Assert.True(difference <= 1e-4 * scale, $"{what}[{i}]: PyTorch {expected[i]:R}, GenConv {actual[i]:R}");
            }
            output.WriteLine($"{what}: worst difference {worst:E2} of the largest magnitude {scale:E2}");
        }
    }
}
