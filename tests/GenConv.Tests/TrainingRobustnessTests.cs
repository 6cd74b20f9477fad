using System;
using System.IO;
using System.Linq;
using System.Threading;
using GenConv.Data;
using GenConv.Training;
using GenConv.Weights;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>Non-finite values stop or skip a batch without damaging the weights; cancelled training resumes bit-identically.</summary>
    public sealed class TrainingRobustnessTests : IDisposable
    {
        private readonly string directory = Directory.CreateTempSubdirectory("genconv-training-").FullName;

        public void Dispose() => Directory.Delete(directory, recursive: true);

        private static ImageSet Data(int count, int seed)
        {
            float[] images = Infrastructure.Numerics.Random(count * LeNet5.InputLength, seed, 1f);
            var random = new SeededRandom((ulong)seed);
            int[] labels = Enumerable.Range(0, count).Select(_ => random.NextInt(10)).ToArray();
            return new ImageSet(images, labels, 28, 28);
        }

        [Fact]
        public void NaNInputStopsTrainingWithTheWeightsOfTheLastGoodStep()
        {
            ImageSet data = Data(64, 1);
            data.Images[40 * LeNet5.InputLength + 123] = float.NaN; // sample 40: in the batch at 32, as nothing has shuffled the order yet
            var model = new LeNet5(maxBatch: 16, seed: 2);
            var trainer = new Trainer(model, new Sgd(LeNet5.ParameterCount, 0.05f, momentum: 0.9f), data, 16);
            trainer.Step(0, 16);
            float[] good = model.Parameters.ToArray();
            var exception = Assert.Throws<TrainingDivergedException>(() => trainer.Step(32, 16));
            Assert.Contains("loss is NaN", exception.Message);
            Assert.Equal(good, model.Parameters.ToArray());
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        public void AStepThatOverflowsTheWeightsIsUndone(int threads)
        {
            ImageSet data = Data(32, 3);
            var model = new LeNet5(maxBatch: 16, seed: 4) { Threads = threads };
            // Finite settings whose update overflows: 1e30 · (gradient + 1e30 · weight) is beyond float's range.
            var optimizer = new Sgd(LeNet5.ParameterCount, learningRate: 1e30f, momentum: 0.9f, weightDecay: 1e30f);
            var trainer = new Trainer(model, optimizer, data, 16);
            float[] good = model.Parameters.ToArray(), goodMomentum = optimizer.State.ToArray();
            var exception = Assert.Throws<TrainingDivergedException>(() => trainer.Step(16, 16));
            Assert.Contains("non-finite", exception.Message);
            Assert.Equal(good, model.Parameters.ToArray());
            Assert.Equal(goodMomentum, optimizer.State.ToArray());
            Assert.Equal(0, optimizer.StepCount);
        }

        /// <summary>
        /// A non-finite gradient in one part of the parameters (on two threads, a part the helper thread updates) undoes
        /// the parts already stepped: weights, Adam's moments and the step count are those from before the batch.
        /// </summary>
        [Theory]
        [InlineData(1, 61_700)]
        [InlineData(2, 61_700)]
        [InlineData(2, 7)]
        public void ANonFiniteGradientAnywhereUndoesTheWholeStep(int threads, int poisoned)
        {
            ImageSet data = Data(48, 8);
            var model = new PoisonedGradient(new LeNet5(maxBatch: 16, seed: 9) { Threads = threads }, poisoned);
            var optimizer = new Adam(LeNet5.ParameterCount, 1e-3f);
            var trainer = new Trainer(model, optimizer, data, 16);
            trainer.Step(0, 16);
            float[] good = model.Parameters.ToArray(), goodMoments = optimizer.State.ToArray();
            model.Armed = true;
            var exception = Assert.Throws<TrainingDivergedException>(() => trainer.Step(16, 16));
            Assert.Contains("gradient is not finite", exception.Message);
            Assert.Equal(good, model.Parameters.ToArray());
            Assert.Equal(goodMoments, optimizer.State.ToArray());
            Assert.Equal(1, optimizer.StepCount);
            model.Armed = false;
            trainer.Step(16, 16);
            Assert.NotEqual(good, model.Parameters.ToArray());
            Assert.Equal(2, optimizer.StepCount);
        }

        /// <summary>A generated model whose Backward, when armed, leaves a NaN in one gradient.</summary>
        private sealed class PoisonedGradient : IGenConvModel
        {
            private readonly IGenConvModel inner;
            private readonly int index;

            public PoisonedGradient(IGenConvModel inner, int index)
            {
                this.inner = inner;
                this.index = index;
            }

            public bool Armed { get; set; }
            public ModelDescription Description => inner.Description;
            public int InputLength => inner.InputLength;
            public int OutputLength => inner.OutputLength;
            public int MaxBatch => inner.MaxBatch;
            public int Threads { get => inner.Threads; set => inner.Threads = value; }
            public Span<float> Parameters => inner.Parameters;
            public Span<float> Gradients => inner.Gradients;
            public void Forward(ReadOnlySpan<float> input, Span<float> output) => inner.Forward(input, output);
            public void Infer(ReadOnlySpan<float> input, Span<float> output) => inner.Infer(input, output);
            public void ForEachParameterRange(IParameterRangeWork work) => inner.ForEachParameterRange(work);

            public void Backward(ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
            {
                inner.Backward(outputGradient, inputGradient);
                if (Armed) inner.Gradients[index] = float.NaN;
            }
        }

        [Fact]
        public void SkipBatchTrainsOnAroundABadSample()
        {
            ImageSet data = Data(96, 5);
            data.Images[70 * LeNet5.InputLength] = float.PositiveInfinity;
            var model = new LeNet5(maxBatch: 16, seed: 6);
            var trainer = new Trainer(model, new Sgd(LeNet5.ParameterCount, 0.05f), data, 16) { OnNonFinite = NonFiniteBehavior.SkipBatch };
            float loss = trainer.TrainEpoch(new SeededRandom(7));
            Assert.Equal(1, trainer.SkippedBatches);
            Assert.True(float.IsFinite(loss));
            Assert.All(model.Parameters.ToArray(), p => Assert.True(float.IsFinite(p)));
        }

        /// <summary>Cancel in the middle of epoch 2, checkpoint, resume in a fresh process-like state: same weights to the bit.</summary>
        [Fact]
        public void CancelledTrainingResumesFromItsCheckpointBitIdentically()
        {
            ImageSet data = Data(160, 8);
            float[] uninterrupted = TrainThreeEpochs(data, out float[] lossesA);

            string checkpoint = Path.Combine(directory, "run.ckpt");
            var first = NewRun(data);
            first.Trainer.TrainEpoch(new SeededRandom(100));
            using var cancellation = new CancellationTokenSource();
            Assert.Throws<OperationCanceledException>(() =>
                first.Trainer.TrainEpoch(new SeededRandom(101), done => { if (done >= 64) cancellation.Cancel(); }, cancellation.Token));
            Assert.Equal((1, 64), (first.Trainer.Epoch, first.Trainer.Position));
            first.Trainer.SaveCheckpoint(checkpoint);

            var resumed = NewRun(data, seed: 999); // different initial weights: everything must come from the checkpoint
            resumed.Trainer.LoadCheckpoint(checkpoint);
            float[] lossesB = { resumed.Trainer.TrainEpoch(new SeededRandom(101)), resumed.Trainer.TrainEpoch(new SeededRandom(102)) };
            Assert.Equal(uninterrupted, resumed.Model.Parameters.ToArray());
            Assert.Equal(lossesA.Skip(1), lossesB);
            Assert.Equal(3, resumed.Trainer.Epoch);
        }

        [Fact]
        public void CorruptOrMismatchedCheckpointsChangeNothing()
        {
            ImageSet data = Data(48, 9);
            var run = NewRun(data);
            run.Trainer.Step(0, 16);
            string path = Path.Combine(directory, "good.ckpt");
            run.Trainer.SaveCheckpoint(path);
            byte[] good = File.ReadAllBytes(path);

            var target = NewRun(data, seed: 77);
            float[] before = target.Model.Parameters.ToArray();
            var random = new SeededRandom(10);
            for (int trial = 0; trial < 200; trial++)
            {
                byte[] bad = (byte[])good.Clone();
                if (trial % 4 == 0) Array.Resize(ref bad, random.NextInt(bad.Length));
                else bad[random.NextInt(bad.Length)] ^= (byte)(1 << random.NextInt(8));
                File.WriteAllBytes(path, bad);
                Assert.Throws<WeightFileException>(() => target.Trainer.LoadCheckpoint(path));
                Assert.Equal(before, target.Model.Parameters.ToArray());
                Assert.Equal((0, 0), (target.Trainer.Epoch, target.Trainer.Position));
            }
            File.WriteAllBytes(path, good);
            var otherData = NewRun(Data(64, 9));
            Assert.Contains("64", Assert.Throws<WeightFileException>(() => otherData.Trainer.LoadCheckpoint(path)).Message);
        }

        private static float[] TrainThreeEpochs(ImageSet data, out float[] losses)
        {
            var run = NewRun(data);
            losses = new[] { 100, 101, 102 }.Select(seed => run.Trainer.TrainEpoch(new SeededRandom((ulong)seed))).ToArray();
            return run.Model.Parameters.ToArray();
        }

        private static (LeNet5 Model, Trainer Trainer) NewRun(ImageSet data, int seed = 12)
        {
            var model = new LeNet5(maxBatch: 16, seed: seed);
            return (model, new Trainer(model, new Adam(LeNet5.ParameterCount, 1e-3f), data, 16));
        }
    }
}
