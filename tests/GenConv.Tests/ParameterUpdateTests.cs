using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using GenConv.Tests.Infrastructure;
using GenConv.Training;
using GenConv.Workloads;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>
    /// An element-wise optimizer's step split over a model's threads: each parameter tensor cut into the output-unit parts
    /// backward gave its gradients to (their boundaries moved to whole cache lines), every index once, and the same bits
    /// as one whole step.
    /// </summary>
    public sealed class ParameterUpdateTests
    {
        public static TheoryData<string> Workloads() => new(WorkloadRegistry.All.Select(w => w.Id));

        [Theory]
        [MemberData(nameof(Workloads))]
        public void OnTwoThreadsEachTensorIsCutIntoTheOutputUnitPartsOfBackwardOnCacheLines(string id)
        {
            Workload workload = WorkloadRegistry.Get(id);
            IGenConvModel model = workload.Create(Variant.Generated, maxBatch: 2);
            model.Threads = 2; // the tests' module initializer sets WorkerTeam.MinimumParallelWork to 0: always split
            var expected = new List<(int Start, int Count)>();
            foreach (ParameterTensor tensor in workload.Description.ParameterTensors)
            {
                int units = tensor.Shape[0], perUnit = tensor.Length / units, end = tensor.Offset + tensor.Length;
                // Part p's first unit's float, moved to the nearest cache line (16 floats) within the tensor.
                int Boundary(int part) => part == 0 ? tensor.Offset : part == 4 ? end
                    : Math.Clamp((int)Math.Round((tensor.Offset + units * part / 4 * perUnit) / 16.0, MidpointRounding.AwayFromZero) * 16, tensor.Offset, end);
                for (int part = 0; part < 4; part++)
                    if (Boundary(part + 1) > Boundary(part)) expected.Add((Boundary(part), Boundary(part + 1) - Boundary(part)));
            }
            List<(int Start, int Count)> ranges = Ranges(model);
            Assert.Equal(expected.OrderBy(r => r.Start), ranges);
            // Every index once, and no cache line cut between two ranges unless a tensor ends in it.
            Assert.Equal(Enumerable.Range(0, model.Parameters.Length), ranges.SelectMany(r => Enumerable.Range(r.Start, r.Count)));
            var tensorEnds = workload.Description.ParameterTensors.Select(t => t.Offset + t.Length).ToHashSet();
            Assert.All(ranges, r => Assert.True(r.Start % 16 == 0 || tensorEnds.Contains(r.Start), $"a range starts inside a line at {r.Start}"));

            model.Threads = 1;
            Assert.Equal(new[] { (0, model.Parameters.Length) }, Ranges(model));
        }

        [Fact]
        public void PartBoundariesMoveToTheNearestLineWithinTheTensor()
        {
            // LeNet-5's 120x400 dense weights at 2572: row 30 starts at 14572 (a line at 14576), row 60 at 26572 (26576).
            Assert.Equal(new[] { 2572, 14576, 26576, 38576, 50572 }, Enumerable.Range(0, 5).Select(p => ParameterRanges.PartBoundary(2572, 120, 400, p, 4)));
            // A bias of 6 floats at 150 goes whole to part 1 (its nearest lines, 144 and 160, lie outside it).
            Assert.Equal(new[] { 150, 150, 156, 156, 156 }, Enumerable.Range(0, 5).Select(p => ParameterRanges.PartBoundary(150, 6, 1, p, 4)));
            // Already on lines: unchanged.
            Assert.Equal(new[] { 0, 64, 128, 192, 256 }, Enumerable.Range(0, 5).Select(p => ParameterRanges.PartBoundary(0, 16, 16, p, 4)));
        }

        [Fact]
        public void OptimizerStateStartsOnACacheLine()
        {
            // Parts are cut on lines of the flat vector; the state must start on a line too, or its boundary lines are
            // shared between threads after all. Several sizes, so an unaligned allocator would not pass by chance.
            foreach (int count in new[] { 7, 61706, 1000, 33 })
            {
                Assert.Equal(0, Address(new Sgd(count, 0.1f, momentum: 0.9f).State) % 64);
                Assert.Equal(0, Address(new Adam(count).State) % 64);
            }
            static long Address(Span<float> state) => (long)Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref MemoryMarshal.GetReference(state));
        }

        [Fact]
        public void AGenericModelRunsOneRange()
        {
            IGenConvModel model = WorkloadRegistry.Get("M1").Create(Variant.GenericIm2col, maxBatch: 1);
            Assert.Equal(new[] { (0, model.Parameters.Length) }, Ranges(model));
        }

        public static TheoryData<string, string> Optimizers() => new()
        {
            { "M1", "sgd" }, { "M1", "sgd-nesterov-decay" }, { "M1", "adam" }, { "M1", "adamw" }, { "L8", "sgd" }, { "L5", "adam" },
        };

        [Theory]
        [MemberData(nameof(Optimizers))]
        public void AStepOnTheModelsThreadsHasTheBitsOfOneWholeStep(string id, string optimizer)
        {
            Workload workload = WorkloadRegistry.Get(id);
            IGenConvModel model = workload.Create(Variant.Generated, maxBatch: 4, seed: 3);
            model.Threads = 2;
            float[] mirror = model.Parameters.ToArray();
            ElementwiseOptimizer onModel = Create(optimizer, mirror.Length), whole = Create(optimizer, mirror.Length);
            float[] x = Numerics.Random(4 * model.InputLength, 5), y = new float[4 * model.OutputLength];
            float[] dy = Numerics.Random(y.Length, 6);
            for (int step = 0; step < 3; step++)
            {
                model.Forward(x, y);
                model.Backward(dy, Span<float>.Empty);
                int[] before = Bits(mirror);
                onModel.Step(model);
                whole.Step(mirror, model.Gradients);
                Assert.Equal(Bits(mirror), Bits(model.Parameters.ToArray()));
                Assert.Equal(Bits(whole.State.ToArray()), Bits(onModel.State.ToArray()));
                Assert.Equal(whole.StepCount, onModel.StepCount);
                Assert.NotEqual(before, Bits(mirror)); // the step did move the weights
            }
        }

        [Fact]
        public void RangesCutAnywhereAndInAnyOrderGiveTheWholeStepsBits()
        {
            const int count = 53;
            var random = new SeededRandom(17);
            float[] parameters = Enumerable.Range(0, count).Select(_ => random.NextFloat(-1, 1)).ToArray();
            foreach (string name in new[] { "sgd", "sgd-nesterov-decay", "adam", "adamw" })
            {
                float[] whole = parameters.ToArray(), split = parameters.ToArray();
                ElementwiseOptimizer a = Create(name, count), b = Create(name, count);
                for (int step = 0; step < 3; step++)
                {
                    float[] gradients = Enumerable.Range(0, count).Select(_ => random.NextFloat(-1, 1)).ToArray();
                    a.Step(whole, gradients);
                    // Cuts off every vector boundary, run last range first.
                    foreach (var (start, length) in new[] { (38, 15), (3, 35), (0, 3) })
                        b.UpdateRange(split, gradients, start, length);
                    b.StepCount++;
                    Assert.Equal(Bits(whole), Bits(split));
                    Assert.Equal(Bits(a.State.ToArray()), Bits(b.State.ToArray()));
                }
            }
        }

        [Fact]
        public void BadRangesAndModelsAreRefusedBeforeAnythingChanges()
        {
            float[] parameters = new float[10], gradients = new float[10];
            var sgd = new Sgd(10, 0.1f, momentum: 0.9f);
            Assert.Throws<ArgumentOutOfRangeException>(() => sgd.UpdateRange(parameters, gradients, 4, 7));
            Assert.Throws<ArgumentOutOfRangeException>(() => sgd.UpdateRange(parameters, gradients, -1, 2));
            Assert.Throws<ArgumentException>(() => sgd.UpdateRange(parameters, new float[9], 0, 9));
            IGenConvModel model = WorkloadRegistry.Get("M1").Create(Variant.Generated, maxBatch: 1);
            float[] before = model.Parameters.ToArray();
            var wrongSize = new Adam(model.Parameters.Length - 1);
            Assert.Throws<ArgumentException>(() => wrongSize.Step(model));
            Assert.Equal(0, wrongSize.StepCount);
            Assert.Equal(before, model.Parameters.ToArray());
            Assert.Throws<ArgumentNullException>(() => model.ForEachParameterRange(null!));
        }

        private static ElementwiseOptimizer Create(string name, int count) => name switch
        {
            "sgd" => new Sgd(count, 0.05f, momentum: 0.9f),
            "sgd-nesterov-decay" => new Sgd(count, 0.05f, momentum: 0.9f, weightDecay: 0.01f, nesterov: true),
            "adam" => new Adam(count, 1e-2f, weightDecay: 0.01f),
            "adamw" => Adam.AdamW(count, 1e-2f),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };

        private static List<(int Start, int Count)> Ranges(IGenConvModel model)
        {
            var recorder = new RangeRecorder();
            model.ForEachParameterRange(recorder);
            return recorder.Ranges.OrderBy(r => r.Start).ToList();
        }

        private sealed class RangeRecorder : IParameterRangeWork
        {
            public List<(int Start, int Count)> Ranges { get; } = new();

            public void Run(int start, int count)
            {
                lock (Ranges) Ranges.Add((start, count));
            }
        }

        private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
    }
}
