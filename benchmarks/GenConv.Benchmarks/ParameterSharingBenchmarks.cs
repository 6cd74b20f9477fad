using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using GenConv.Training;

namespace GenConv.Benchmarks
{
    /// <summary>
    /// What this machine charges two cores for sharing parameters, apart from any kernel: LeNet-5's 400→120 dense weights
    /// (48,000 floats, 188 KB) read in one region, as a forward reads them, then updated in the next by the runtime's own
    /// <see cref="Sgd"/> (momentum 0.9, as <c>optimizer.Step</c> runs it), on the two-thread team the models use.
    /// <c>SharedRead</c>: each thread reads all of them (a batch-parallel forward) and updates the half whose gradients it
    /// computed, so every update invalidates the other core's copy and the next read fetches it back. <c>OwnedHalves</c>:
    /// each thread reads and updates only its own half, the lower bound of any scheme. <c>OneThread</c>: one thread reads
    /// all of them and updates all of them.
    /// </summary>
    public class ParameterSharingBenchmarks
    {
        public enum Sharing { OneThread, SharedRead, OwnedHalves }

        [Params(Sharing.OneThread, Sharing.SharedRead, Sharing.OwnedHalves)]
        public Sharing Layout { get; set; }

        private const int Count = 48_000, Parts = 2;
        private const int ReadRegion = 0, UpdateRegion = 1;
        /// <summary>Floats between the parts' sums: one cache line each, so the read region's results share none.</summary>
        private const int SumStride = 16;
        private readonly float[] weights = new float[Count], gradients = new float[Count];
        private readonly float[] sums = new float[Parts * SumStride];
        private readonly Sgd sgd = new Sgd(Count, learningRate: 1e-4f, momentum: 0.9f) { StepCount = 1 }; // past step 1, which only copies g into the buffer
        private readonly WorkerTeam team = WorkerTeam.Shared(2);
        private RegionAction run = null!;

        [GlobalSetup]
        public void Setup()
        {
            var random = new SeededRandom(3);
            for (int i = 0; i < Count; i++)
            {
                weights[i] = random.NextFloat(-0.05f, 0.05f);
                gradients[i] = random.NextFloat(-1e-3f, 1e-3f);
            }
            run = Run;
        }

        [Benchmark(Description = "Read, then update")]
        public float ReadThenUpdate()
        {
            if (Layout == Sharing.OneThread)
            {
                Run(ReadRegion, 0, 0, Parts);
                Run(UpdateRegion, 0, 0, Parts);
            }
            else
            {
                team.Run(run, ReadRegion, Parts);
                team.Run(run, UpdateRegion, Parts);
            }
            return sums[0] + sums[SumStride];
        }

        /// <summary>Parts [start, end) of a region: part p is the thread that owns half p when each thread runs its own part.</summary>
        private void Run(int region, int thread, int start, int end)
        {
            for (int part = start; part < end; part++)
            {
                (int first, int last) = WorkerTeam.Part(Count, part, Parts);
                if (region == UpdateRegion) sgd.UpdateRange(weights, gradients, first, last - first);
                else sums[part * SumStride] = Layout == Sharing.OwnedHalves ? Sum(first, last) : Sum(0, Count);
            }
        }

        private float Sum(int first, int last)
        {
            Vector256<float> sum = Vector256<float>.Zero;
            for (int i = first; i < last; i += Vector256<float>.Count) sum += Vector256.LoadUnsafe(ref weights[i]);
            return Vector256.Sum(sum);
        }
    }
}
