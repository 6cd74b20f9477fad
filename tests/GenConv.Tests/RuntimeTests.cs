using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using GenConv.Data;
using GenConv.Tests.Infrastructure;
using GenConv.Training;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>The runtime's smaller pieces: memory plan, guards, losses, schedules, IDX files.</summary>
    public sealed class RuntimeTests
    {
        [Theory]
        [InlineData(1)]
        [InlineData(32)]
        public void MemoryConstantsMatchWhatTheConstructorAllocates(int maxBatch)
        {
            new LeNet5(maxBatch); // warm up: static description, JIT
            long allocated = Allocations.LeastOfThree(() => GC.KeepAlive(new LeNet5(maxBatch)));
            long planned = LeNet5.MemoryBytes(maxBatch);
            // Beyond the planned buffers: the object itself, one header per array (about 24 bytes each), its CallerSpans
            // and three cached delegates (about 64 bytes each), nothing else.
            Assert.InRange(allocated - planned, 0, 1280);
            Assert.Equal(LeNet5.FixedBytes + maxBatch * LeNet5.BytesPerSample + LeNet5.ScratchBytesPerThread, planned);
            Assert.True(LeNet5.FixedBytes >= 2L * 4 * LeNet5.ParameterCount);
        }

        /// <summary>
        /// Kernel scratch (padded dY, Winograd tiles) has one slot per thread, not per sample: the constructor allocates
        /// one, raising Threads allocates the rest with the gaps between them (and nothing in a pass), lowering it keeps them. LeNet-5's backward data
        /// pads dY; SmallVgg with Winograd also needs tiles in inference.
        /// </summary>
        [Theory]
        [InlineData(typeof(Workloads.M1))]
        [InlineData(typeof(Workloads.M2Winograd))]
        public void RaisingThreadsAllocatesOneScratchSlotPerThread(Type type)
        {
            var model = (IGenConvModel)Activator.CreateInstance(type, 4, 1)!;
            float[] x = Numerics.Random(4 * model.InputLength, 2), y = new float[4 * model.OutputLength], dy = Numerics.Random(y.Length, 3);
            model.Forward(x, y); // warm up: JIT, static data
            model.Backward(dy, Span<float>.Empty);
            long Constant(string name) => (long)type.GetField(name)!.GetValue(null)!;
            long MemoryBytes(int maxBatch, int threads) => (long)type.GetMethod("MemoryBytes")!.Invoke(null, new object[] { maxBatch, threads })!;
            long perThread = Constant("ScratchBytesPerThread"), gap = Constant("ScratchGapBytes");
            Assert.True(perThread > 0 && gap > 0);
            Assert.Equal(MemoryBytes(4, 1) + perThread + gap, MemoryBytes(4, 2));
            WorkerTeam.Shared(2); // the team's own threads and events, made once per process

            // The new buffer holds 2 slots and the gap between them (the old 1-slot one becomes garbage), beside its header.
            // Each attempt raises a fresh model's threads (the least of three: see Allocations).
            long raised = Allocations.LeastOfThree(() => (IGenConvModel)Activator.CreateInstance(type, 4, 1)!, fresh => fresh.Threads = 2);
            Assert.InRange(raised - (2 * perThread + gap), 0, 256);

            model.Threads = 2;
            Allocations.AssertSteadyStateAllocatesNothing(() =>
            {
                model.Threads = 1;
                model.Threads = 2;
            });
            Allocations.AssertSteadyStateAllocatesNothing(() =>
            {
                model.Forward(x, y);
                model.Backward(dy, Span<float>.Empty);
            });
            Assert.Throws<ArgumentOutOfRangeException>(() => model.Threads = 0);
            Assert.Equal(2, model.Threads);
        }

        /// <summary>The allocation checks above tolerate one-off runtime costs, never a step that allocates each time.</summary>
        [Fact]
        public void AllocationChecksCatchAStepThatAllocatesEveryTime()
        {
            var kept = new object[1];
            Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => Allocations.AssertSteadyStateAllocatesNothing(() => kept[0] = new byte[1]));
            Assert.InRange(Allocations.LeastOfThree(() => kept[0] = new byte[1000]), 1000, 1100);
            int calls = 0;
            Allocations.AssertSteadyStateAllocatesNothing(() => { if (++calls == 55) kept[0] = new byte[1]; }); // one-off, in the first window
        }

        [Fact]
        public void HugeMaxBatchIsRejectedBeforeAnythingWraps()
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LeNet5(maxBatch: 1_000_000));
            Assert.Equal("maxBatch", error.ParamName);
            Assert.Contains("largest possible maxBatch", error.Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => new LeNet5(maxBatch: 0));
        }

        [Fact]
        public void ScratchForTooManyThreadsIsRejectedBeforeAnythingWraps()
        {
            long slot = 20_000_000, gap = 65_536; // a layer whose scratch takes 80 MB a thread: 107 threads fit one array
            ModelGuard.ScratchThreads(107, slot, gap);
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => ModelGuard.ScratchThreads(108, slot, gap));
            Assert.Equal("value", error.ParamName);
            Assert.Contains("the most threads possible is 107", error.Message);
        }

        [Fact]
        public void ForwardAndBackwardValidateSpansBeforeRunning()
        {
            var model = new LeNet5(maxBatch: 2);
            var output = new float[LeNet5.OutputLength];
            Assert.Throws<InvalidOperationException>(() => model.Backward(new float[LeNet5.OutputLength], Span<float>.Empty));
            Assert.Equal("input", Assert.Throws<ArgumentException>(() => model.Forward(new float[LeNet5.InputLength - 1], output)).ParamName);
            Assert.Equal("input", Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(new float[3 * LeNet5.InputLength], new float[3 * LeNet5.OutputLength])).ParamName);
            Assert.Equal("output", Assert.Throws<ArgumentException>(() => model.Forward(new float[LeNet5.InputLength], new float[LeNet5.OutputLength + 1])).ParamName);
            model.Forward(new float[LeNet5.InputLength], output);
            Assert.Equal("outputGradient", Assert.Throws<ArgumentException>(() => model.Backward(new float[2 * LeNet5.OutputLength], Span<float>.Empty)).ParamName);
            Assert.Equal("inputGradient", Assert.Throws<ArgumentException>(() => model.Backward(new float[LeNet5.OutputLength], new float[5])).ParamName);
        }

        [Fact]
        public void MeanSquaredErrorMatchesItsDefinition()
        {
            float[] y = { 1, 2, 3, 4 }, t = { 0, 2, 5, 3 };
            var g = new float[4];
            float loss = MeanSquaredError.Compute(y, t, g);
            Assert.Equal((1 + 0 + 4 + 1) / 4f, loss);
            Assert.Equal(new[] { 0.5f, 0f, -1f, 0.5f }, g); // 2(y − t) / N
        }

        [Fact]
        public void SoftmaxCrossEntropyRejectsBadLabels()
        {
            var g = new float[4];
            Assert.Equal("labels", Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Compute(new float[4], new[] { 0, 2 }, 2, g)).ParamName);
            Assert.Equal("logits", Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Compute(new float[3], new[] { 0, 1 }, 2, g)).ParamName);
        }

        [Fact]
        public void SchedulesFollowPyTorchFormulas()
        {
            var cosine = LearningRateSchedule.Cosine(0.1f, 10);
            Assert.Equal(0.1f, cosine.At(0));
            Assert.Equal(0.05f, cosine.At(5), 6);
            Assert.Equal((float)(0.05 * (1 + Math.Cos(Math.PI * 9 / 10))), cosine.At(9), 7);
            var step = LearningRateSchedule.Step(0.1f, 3, 0.5f);
            Assert.Equal(new[] { 0.1f, 0.1f, 0.1f, 0.05f, 0.05f, 0.05f, 0.025f }, Enumerable.Range(0, 7).Select(step.At).ToArray());
        }

        [Fact]
        public void IdxReaderReadsRawAndGzipAndRejectsBadFiles()
        {
            string dir = Path.Combine(Path.GetTempPath(), "genconv-idx-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                byte[] images = Header(0x803, 2, 2, 3).Concat(new byte[] { 0, 255, 51, 0, 0, 0, 1, 2, 3, 4, 5, 6 }).ToArray();
                byte[] labels = Header(0x801, 2).Concat(new byte[] { 7, 1 }).ToArray();
                File.WriteAllBytes(Path.Combine(dir, "i"), images);
                using (var gz = new GZipStream(File.Create(Path.Combine(dir, "l.gz")), CompressionLevel.Fastest)) gz.Write(labels);
                ImageSet set = IdxReader.Load(Path.Combine(dir, "i"), Path.Combine(dir, "l.gz"));
                Assert.Equal(2, set.Count);
                Assert.Equal((2, 3), (set.Height, set.Width));
                Assert.Equal(new[] { 7, 1 }, set.Labels);
                Assert.Equal(new[] { 0f, 1f, 0.2f }, set.Images.Take(3).ToArray());

                File.WriteAllBytes(Path.Combine(dir, "magic"), Header(0x802, 2, 2, 3).Concat(new byte[12]).ToArray());
                Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => IdxReader.Load(Path.Combine(dir, "magic"), Path.Combine(dir, "l.gz"))).Message);
                File.WriteAllBytes(Path.Combine(dir, "short"), images.Take(20).ToArray());
                Assert.Contains("expected 12 data bytes", Assert.Throws<InvalidDataException>(() => IdxReader.Load(Path.Combine(dir, "short"), Path.Combine(dir, "l.gz"))).Message);
                File.WriteAllBytes(Path.Combine(dir, "count"), Header(0x801, 3).Concat(new byte[3]).ToArray());
                Assert.Contains("3 labels", Assert.Throws<InvalidDataException>(() => IdxReader.Load(Path.Combine(dir, "i"), Path.Combine(dir, "count"))).Message);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        private static byte[] Header(int magic, params int[] dims) =>
            new[] { magic }.Concat(dims).SelectMany(v => new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v }).ToArray();
    }
}
