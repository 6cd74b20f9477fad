using System;
using System.Diagnostics;
using GenConv.Training;
using GenConv.Workloads;

namespace GenConv.Benchmarks
{
    /// <summary>
    /// A training step's phases on one thread and on two, side by side in one process:
    /// <c>GenConv.Benchmarks.dll phases &lt;workload&gt; [batch = 32] [rounds = 100]</c>. ThreadScalingBenchmarks gives the
    /// step's speed-up; this says where two threads lose it. Each round runs 10 steps of the one-thread model, then 10 of
    /// the two-thread one (back to back, as BenchmarkDotNet runs them, so the team's helper is still spinning when the
    /// next step starts: alternating single steps would time its wake-up), and times each step's Forward, Backward
    /// (without dX) and SGD update (momentum 0.9, split over the model's threads). Prints the medians.
    /// </summary>
    internal static class ThreadPhases
    {
        private const int StepsPerTurn = 10;

        public static int Run(string[] args)
        {
            if (args.Length < 1)
            {
                Console.Error.WriteLine("usage: phases <workload> [batch = 32] [rounds = 100]");
                return 2;
            }
            Workload workload = WorkloadRegistry.Get(args[0]);
            int batch = args.Length > 1 ? int.Parse(args[1]) : WorkloadBenchmarks.TrainBatch;
            int rounds = args.Length > 2 ? int.Parse(args[2]) : 100;
            var models = new IGenConvModel[2];
            var optimizers = new Sgd[2];
            for (int t = 0; t < 2; t++)
            {
                models[t] = workload.Create(Variant.Generated, batch, seed: 1);
                models[t].Threads = t + 1;
                optimizers[t] = WorkloadBenchmarks.StepOptimizer(models[t].Parameters.Length);
            }
            float[] x = WorkloadBenchmarks.Fill(batch * models[0].InputLength, 2), y = new float[batch * models[0].OutputLength];
            float[] dy = WorkloadBenchmarks.Fill(y.Length, 3);

            const int warmupRounds = 5;
            var micros = new double[2, 4][]; // [threads - 1, phase][step]
            for (int t = 0; t < 2; t++)
                for (int phase = 0; phase < 4; phase++) micros[t, phase] = new double[rounds * StepsPerTurn];
            for (int round = -warmupRounds; round < rounds; round++)
                for (int t = 0; t < 2; t++)
                    for (int step = 0; step < StepsPerTurn; step++)
                    {
                        long start = Stopwatch.GetTimestamp();
                        models[t].Forward(x, y);
                        long forward = Stopwatch.GetTimestamp();
                        models[t].Backward(dy, Span<float>.Empty);
                        long backward = Stopwatch.GetTimestamp();
                        optimizers[t].Step(models[t]);
                        long update = Stopwatch.GetTimestamp();
                        if (round < 0) continue;
                        int k = round * StepsPerTurn + step;
                        micros[t, 0][k] = Micros(start, forward);
                        micros[t, 1][k] = Micros(forward, backward);
                        micros[t, 2][k] = Micros(backward, update);
                        micros[t, 3][k] = Micros(start, update);
                    }
            Console.WriteLine($"{workload.Id} batch {batch}, medians of {rounds * StepsPerTurn} steps each:");
            string[] names = { "forward", "backward", "update", "step" };
            for (int phase = 0; phase < 4; phase++)
            {
                double one = BuildComparison.Median(micros[0, phase]), two = BuildComparison.Median(micros[1, phase]);
                Console.WriteLine($"  {names[phase],-8}  1 thread {one,8:F1} µs   2 threads {two,8:F1} µs   {one / two:F2}×");
            }
            return 0;
        }

        private static double Micros(long from, long to) => (to - from) * 1e6 / Stopwatch.Frequency;
    }
}
