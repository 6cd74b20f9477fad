using System;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace GenConv.Benchmarks
{
    /// <summary>
    /// What this machine charges two cores for sharing parameters, apart from any kernel: LeNet-5's 400→120 dense weights
    /// (48,000 floats, 188 KB) read in one region, as a forward reads them, then updated by SGD with momentum in the
    /// next, as <c>optimizer.Step</c> does, on the two-thread team the models use. <c>SharedRead</c>: each thread reads
    /// all of them (a batch-parallel forward) and updates the half whose gradients it computed, so every update invalidates
    /// the other core's copy and the next read fetches it back. <c>OwnedHalves</c>: each thread reads and updates only its
    /// own half, the lower bound of any scheme. <c>OneThread</c>: one thread reads all of them and updates all of them.
    /// </summary>
    public class ParameterSharingBenchmarks
    {
        public enum Sharing { OneThread, SharedRead, OwnedHalves }

        [Params(Sharing.OneThread, Sharing.SharedRead, Sharing.OwnedHalves)]
        public Sharing Layout { get; set; }

        private const int Count = 48_000, Parts = 2;
        private const int ReadRegion = 0, UpdateRegion = 1;
        private readonly float[] weights = new float[Count], gradients = new float[Count], momentum = new float[Count];
        private readonly float[] sums = new float[Parts * 16]; // one cache line per part
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
            return sums[0] + sums[16];
        }

        /// <summary>Parts [start, end) of a region: part p is the thread that owns half p when each thread runs its own part.</summary>
        private void Run(int region, int thread, int start, int end)
        {
            for (int part = start; part < end; part++)
            {
                (int first, int last) = WorkerTeam.Part(Count, part, Parts);
                if (region == UpdateRegion) Update(first, last);
                else sums[part * 16] = Layout == Sharing.OwnedHalves ? Sum(first, last) : Sum(0, Count);
            }
        }

        private float Sum(int first, int last)
        {
            Vector256<float> sum = Vector256<float>.Zero;
            for (int i = first; i < last; i += Vector256<float>.Count) sum += Vector256.LoadUnsafe(ref weights[i]);
            return Vector256.Sum(sum);
        }

        /// <summary>m = 0.9 m + g; w -= 1e-4 m (the halves are multiples of 8 floats).</summary>
        private void Update(int first, int last)
        {
            for (int i = first; i < last; i += Vector256<float>.Count)
            {
                Vector256<float> m = Vector256.LoadUnsafe(ref momentum[i]) * 0.9f + Vector256.LoadUnsafe(ref gradients[i]);
                m.StoreUnsafe(ref momentum[i]);
                (Vector256.LoadUnsafe(ref weights[i]) - m * 1e-4f).StoreUnsafe(ref weights[i]);
            }
        }
    }
}
