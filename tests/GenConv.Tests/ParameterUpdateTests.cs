using System;
using System.Collections.Generic;
using System.Linq;
using GenConv.Tests.Infrastructure;
using GenConv.Training;
using GenConv.Workloads;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>
    /// An element-wise optimizer's step split over a model's threads: each parameter tensor cut into the output-unit parts
    /// backward gave its gradients to, every index once, and the same bits as one whole step.
    /// </summary>
    public sealed class ParameterUpdateTests
    {
        public static TheoryData<string> Workloads() => new(WorkloadRegistry.All.Select(w => w.Id));

        [Theory]
        [MemberData(nameof(Workloads))]
        public void OnTwoThreadsEachTensorIsCutIntoTheOutputUnitPartsOfBackward(string id)
        {
            Workload workload = WorkloadRegistry.Get(id);
            IGenConvModel model = workload.Create(Variant.Generated, maxBatch: 2);
            model.Threads = 2; // the tests' module initializer sets WorkerTeam.MinimumParallelWork to 0: always split
            var expected = new List<(int Start, int Count)>();
            foreach (ParameterTensor tensor in workload.Description.ParameterTensors)
            {
                int units = tensor.Shape[0], perUnit = tensor.Length / units;
                for (int part = 0; part < 4; part++)
                {
                    int first = units * part / 4, last = units * (part + 1) / 4;
                    if (last > first) expected.Add((tensor.Offset + first * perUnit, (last - first) * perUnit));
                }
            }
            Assert.Equal(expected.OrderBy(r => r.Start), Ranges(model));

            model.Threads = 1;
            Assert.Equal(new[] { (0, model.Parameters.Length) }, Ranges(model));
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
