using System;
using System.IO;
using GenConv.Data;
using GenConv.Tests.Infrastructure;
using GenConv.Training;
using Xunit;
using Xunit.Abstractions;

namespace GenConv.Tests
{
    /// <summary>Training with generated kernels on real data, against the generic runners, and without allocation.</summary>
    public sealed class TrainingTests
    {
        private readonly ITestOutputHelper output;

        public TrainingTests(ITestOutputHelper output) => this.output = output;

        /// <summary>The embedded Fashion-MNIST subset the demo ships (copied next to the tests).</summary>
        private static ImageSet Load(string prefix, int limit) =>
            IdxReader.Load(Path.Combine(AppContext.BaseDirectory, "data", prefix + "-images-idx3-ubyte.gz"),
                           Path.Combine(AppContext.BaseDirectory, "data", prefix + "-labels-idx1-ubyte.gz"), limit);

        [Fact]
        public void LeNet5ConvergesOnFashionMnist()
        {
            ImageSet train = Load("train", 3000), test = Load("t10k", 1000);
            var model = new LeNet5(maxBatch: 32, seed: 5);
            var trainer = new Trainer(model, new Sgd(LeNet5.ParameterCount, 0.05f, momentum: 0.9f), train, 32);
            double before = Trainer.Accuracy(model, test, 32);
            float firstLoss = trainer.TrainEpoch(new SeededRandom(1));
            float lastLoss = 0;
            for (int epoch = 2; epoch <= 3; epoch++) lastLoss = trainer.TrainEpoch(new SeededRandom((ulong)epoch));
            double after = Trainer.Accuracy(model, test, 32);
            output.WriteLine($"held-out accuracy {before:P1} before, {after:P1} after 3 epochs on 3,000 images; loss {firstLoss:F3} → {lastLoss:F3}");
            Assert.True(after > 0.70, $"held-out accuracy {after:P1} should be far above chance (10 %)");
            Assert.True(lastLoss < firstLoss * 0.7f, $"training loss should fall: {firstLoss} → {lastLoss}");
        }

        [Theory]
        [InlineData(GenericAlgorithm.Naive)]
        [InlineData(GenericAlgorithm.Im2Col)]
        public void GeneratedAndGenericFollowTheSameLossTrajectory(GenericAlgorithm algorithm)
        {
            ImageSet train = Load("train", 320);
            var generated = new LeNet5(maxBatch: 16, seed: 11);
            var generic = new GenericModel(LeNet5.Description, algorithm, maxBatch: 16, seed: 11);
            Assert.Equal(generated.Parameters.ToArray(), generic.Parameters.ToArray()); // same seed, same PyTorch-default init
            var a = new Trainer(generated, new Sgd(LeNet5.ParameterCount, 0.05f, momentum: 0.9f), train, 16);
            var b = new Trainer(generic, new Sgd(LeNet5.ParameterCount, 0.05f, momentum: 0.9f), train, 16);
            for (int step = 0; step < 12; step++)
            {
                float la = a.Step(step * 16, 16), lb = b.Step(step * 16, 16);
                Assert.True(Math.Abs(la - lb) <= 1e-4f * Math.Max(1, Math.Abs(lb)), $"step {step}: generated loss {la}, generic {lb}");
            }
            float worst = 0;
            for (int i = 0; i < LeNet5.ParameterCount; i++) worst = Math.Max(worst, Math.Abs(generated.Parameters[i] - generic.Parameters[i]));
            Assert.True(worst < 1e-4f, $"weights after 12 steps differ by up to {worst}");
        }

        /// <summary>LeNet-5, and SmallVgg with Winograd (its kept kernel transform: reused, then recomputed after every update).</summary>
        [Theory]
        [InlineData("M1", 1)]
        [InlineData("M1", 2)]
        [InlineData("M2Winograd", 1)]
        [InlineData("M2Winograd", 2)]
        public void ForwardBackwardAndOptimizerStepAllocateNothing(string id, int threads)
        {
            IGenConvModel model = id == "M1" ? new LeNet5(maxBatch: 4) : new GenConv.Workloads.M2Winograd(maxBatch: 4);
            model.Threads = threads;
            var optimizer = new Sgd(model.Parameters.Length, 0.01f, momentum: 0.9f, weightDecay: 1e-4f, nesterov: true);
            float[] x = new float[4 * model.InputLength], y = new float[4 * model.OutputLength], dy = new float[y.Length], dx = new float[x.Length];
            x.AsSpan().Fill(0.5f);
            dy.AsSpan().Fill(0.1f);
            void Step()
            {
                model.Forward(x, y);
                model.Forward(x, y); // unchanged weights: Winograd reuses its kept transform
                model.Backward(dy, dx);
                optimizer.Step(model.Parameters, model.Gradients);
            }
            Allocations.AssertSteadyStateAllocatesNothing(Step);
        }

        [Fact]
        public void TrainerStepAllocatesNothing()
        {
            ImageSet train = Load("train", 64);
            var trainer = new Trainer(new LeNet5(maxBatch: 32), Adam.AdamW(LeNet5.ParameterCount, 0.001f), train, 32);
            int start = 0;
            Allocations.AssertSteadyStateAllocatesNothing(() => trainer.Step(start ^= 32, 32));
        }
    }
}
