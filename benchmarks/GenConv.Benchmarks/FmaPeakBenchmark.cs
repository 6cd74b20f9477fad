using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace GenConv.Benchmarks
{
    /// <summary>
    /// The machine's single-core FP32 FMA peak, measured in the same run as the kernels so "% of peak" compares like
    /// with like: independent accumulators of the widest vector available, enough to cover FMA latency × 2 pipes and few
    /// enough to stay in registers with the two operands. AVX-512 has 32 vector registers and takes 16 accumulators;
    /// AVX2 and SSE have 16 and take 12 (with 16 the JIT spilled some, and an AVX2 machine measured 47–49 GFLOP/s
    /// where 12 reach 88–91).
    /// </summary>
    public class FmaPeakBenchmark
    {
        public const int Iterations = 1 << 20;
        /// <summary>Floating-point operations of one invocation: 2 per lane per FMA.</summary>
        public static double Flops => 2.0 * Iterations * Accumulators * LaneCount;

        public static int Accumulators => Vector512.IsHardwareAccelerated ? 16 : 12;

        public static int LaneCount => Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 4;

        [Benchmark(Description = "FMA peak")]
        public float FmaPeak() => Run(Iterations);

        /// <summary>
        /// The same FMA work split into 8 chunks over a two-thread WorkerTeam (the one the thread-scaling cases use): how much
        /// of a second core this machine gives in this run. On a shared VM it has measured anywhere from 0.9× to 2× one thread.
        /// </summary>
        [Benchmark(Description = "FMA peak, 2 threads")]
        public float FmaPeakTwoThreads()
        {
            twoThreads.Run(runChunk, 0, Chunks);
            return 0;
        }

        private const int Chunks = 8;
        private readonly GenConv.WorkerTeam twoThreads = GenConv.WorkerTeam.Shared(2);
        private readonly GenConv.RegionAction runChunk = (region, thread, start, end) => Run((end - start) * (Iterations / Chunks));

        private static float Run(int iterations) => Vector512.IsHardwareAccelerated ? Run512(iterations) : Vector256.IsHardwareAccelerated ? Run256(iterations) : Run128(iterations);

        private static float Run512(int iterations)
        {
            Vector512<float> a = Vector512.Create(0.999f), b = Vector512.Create(1e-7f);
            Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
            Vector512<float> c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
            for (int i = 0; i < iterations; i++)
            {
                c0 = Vector512.FusedMultiplyAdd(c0, a, b); c1 = Vector512.FusedMultiplyAdd(c1, a, b);
                c2 = Vector512.FusedMultiplyAdd(c2, a, b); c3 = Vector512.FusedMultiplyAdd(c3, a, b);
                c4 = Vector512.FusedMultiplyAdd(c4, a, b); c5 = Vector512.FusedMultiplyAdd(c5, a, b);
                c6 = Vector512.FusedMultiplyAdd(c6, a, b); c7 = Vector512.FusedMultiplyAdd(c7, a, b);
                c8 = Vector512.FusedMultiplyAdd(c8, a, b); c9 = Vector512.FusedMultiplyAdd(c9, a, b);
                c10 = Vector512.FusedMultiplyAdd(c10, a, b); c11 = Vector512.FusedMultiplyAdd(c11, a, b);
                c12 = Vector512.FusedMultiplyAdd(c12, a, b); c13 = Vector512.FusedMultiplyAdd(c13, a, b);
                c14 = Vector512.FusedMultiplyAdd(c14, a, b); c15 = Vector512.FusedMultiplyAdd(c15, a, b);
            }
            return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15);
        }

        private static float Run256(int iterations)
        {
            Vector256<float> a = Vector256.Create(0.999f), b = Vector256.Create(1e-7f);
            Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
            Vector256<float> c8 = c0, c9 = c0, c10 = c0, c11 = c0;
            for (int i = 0; i < iterations; i++)
            {
                c0 = Vector256.FusedMultiplyAdd(c0, a, b); c1 = Vector256.FusedMultiplyAdd(c1, a, b);
                c2 = Vector256.FusedMultiplyAdd(c2, a, b); c3 = Vector256.FusedMultiplyAdd(c3, a, b);
                c4 = Vector256.FusedMultiplyAdd(c4, a, b); c5 = Vector256.FusedMultiplyAdd(c5, a, b);
                c6 = Vector256.FusedMultiplyAdd(c6, a, b); c7 = Vector256.FusedMultiplyAdd(c7, a, b);
                c8 = Vector256.FusedMultiplyAdd(c8, a, b); c9 = Vector256.FusedMultiplyAdd(c9, a, b);
                c10 = Vector256.FusedMultiplyAdd(c10, a, b); c11 = Vector256.FusedMultiplyAdd(c11, a, b);
            }
            return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        }

        private static float Run128(int iterations)
        {
            Vector128<float> a = Vector128.Create(0.999f), b = Vector128.Create(1e-7f);
            Vector128<float> c0 = Vector128.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
            Vector128<float> c8 = c0, c9 = c0, c10 = c0, c11 = c0;
            for (int i = 0; i < iterations; i++)
            {
                c0 = Vector128.FusedMultiplyAdd(c0, a, b); c1 = Vector128.FusedMultiplyAdd(c1, a, b);
                c2 = Vector128.FusedMultiplyAdd(c2, a, b); c3 = Vector128.FusedMultiplyAdd(c3, a, b);
                c4 = Vector128.FusedMultiplyAdd(c4, a, b); c5 = Vector128.FusedMultiplyAdd(c5, a, b);
                c6 = Vector128.FusedMultiplyAdd(c6, a, b); c7 = Vector128.FusedMultiplyAdd(c7, a, b);
                c8 = Vector128.FusedMultiplyAdd(c8, a, b); c9 = Vector128.FusedMultiplyAdd(c9, a, b);
                c10 = Vector128.FusedMultiplyAdd(c10, a, b); c11 = Vector128.FusedMultiplyAdd(c11, a, b);
            }
            return Vector128.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        }
    }
}
