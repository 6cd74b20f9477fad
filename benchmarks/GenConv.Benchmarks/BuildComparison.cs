using System;
using System.IO;
using System.Linq;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;

namespace GenConv.Benchmarks
{
    /// <summary>
    /// Two builds of the generated kernels timed against each other in one process, round by round:
    /// <c>GenConv.Benchmarks.dll compare &lt;dirA&gt; &lt;dirB&gt; &lt;workload&gt; &lt;fwd|infer|ifwd|bw|bwdx|step&gt; [batch] [rounds]</c>, each dir
    /// holding a GenConv.Workloads.dll (say, a worktree of the old commit built in Release). On a shared machine whose
    /// speed drifts by tens of % over seconds, back-to-back BenchmarkDotNet runs of an old and a new build cannot resolve
    /// a 5 % change; here both builds see the same drift, and the median of the per-round ratios B/A does. Each build is
    /// loaded twice, in the order A, B, B, A, and each round times all four: a model's place in memory alone moved one
    /// build against itself by 2–5 % and so did its turn within a round (a build compared with itself measured 0.95–0.98 with one copy each, 1.02–1.04
    /// with A, B, B, A always in that order or its reverse), so every round times the four in a random order. Each build's
    /// Workloads assembly gets a load context of its own and shares this process's GenConv runtime, so the two must agree
    /// on the runtime's API (a change to the generator, not to the runtime; builds older than Infer, 2026-12-04, no longer
    /// load). Modes: <c>fwd</c> Forward, <c>infer</c> Infer (inference alone), <c>ifwd</c> Forward of the InferenceOnly twin, <c>bw</c> Backward without dX, <c>bwdx</c> Backward with dX, <c>step</c> Forward then Backward
    /// with dX; <c>fwd/infer</c> gives each build a mode of its own (one build against itself: Forward against Infer).
    /// </summary>
    internal static class BuildComparison
    {
        public static int Run(string[] args)
        {
            if (args.Length < 4)
            {
                Console.Error.WriteLine("usage: compare <dirA> <dirB> <workload> <fwd|infer|ifwd|bw|bwdx|step, or modeA/modeB> [batch = 32] [rounds = 60]");
                return 2;
            }
            string id = args[2], mode = args[3];
            string[] modes = mode.Split('/'); // "fwd/infer": a mode per build
            string modeA = modes[0], modeB = modes[^1];
            int batch = args.Length > 4 ? int.Parse(args[4]) : 32, rounds = args.Length > 5 ? int.Parse(args[5]) : 60;
            // Copies A, B, B, A: build = copy is 0 or 3 ? A : B.
            IGenConvModel[] models = { Load(args[0], id, batch, modeA), Load(args[1], id, batch, modeB), Load(args[1], id, batch, modeB), Load(args[0], id, batch, modeA) };
            var random = new Random(1);
            float[] x = Enumerable.Range(0, batch * models[0].InputLength).Select(_ => random.NextSingle() * 2 - 1).ToArray();
            float[] dy = Enumerable.Range(0, batch * models[0].OutputLength).Select(_ => random.NextSingle() * 2 - 1).ToArray();
            float[] y = new float[dy.Length], dx = new float[x.Length];
            Action[] operations = models.Select((m, copy) => Operation(m, copy is 0 or 3 ? modeA : modeB, x, y, dy, dx)).ToArray();
            foreach (IGenConvModel model in models) model.Forward(x, y); // backward needs a forward's activations
            foreach (Action operation in operations)
                for (int i = 0; i < 20; i++) operation();

            // Calls per sample: about 5 ms of work, so that a sample is long against the timer and short against the drift.
            var clock = Stopwatch.StartNew();
            int calls = 0;
            while (clock.ElapsedMilliseconds < 20) { operations[0](); calls++; }
            calls = Math.Max(1, calls / 4);
            double[][] micros = { new double[rounds], new double[rounds] }; // per build: its two copies' mean
            var order = new Random(7);
            int[] copies = { 0, 1, 2, 3 };
            for (int round = 0; round < rounds; round++)
            {
                order.Shuffle(copies); // a copy's turn within the round (first, after its twin, ...) matters too
                foreach (int copy in copies)
                {
                    clock.Restart();
                    for (int i = 0; i < calls; i++) operations[copy]();
                    micros[copy is 0 or 3 ? 0 : 1][round] += clock.Elapsed.TotalMilliseconds * 1000 / calls / 2;
                }
            }
            double[] ratios = Enumerable.Range(0, rounds).Select(r => micros[1][r] / micros[0][r]).ToArray();
            Console.WriteLine($"{id} {mode} batch {batch}: A median {Median(micros[0]):F1} µs (min {micros[0].Min():F1}), " +
                              $"B median {Median(micros[1]):F1} µs (min {micros[1].Min():F1}); B/A: median of {rounds} rounds' ratios {Median(ratios):F3}");
            return 0;
        }

        private static Action Operation(IGenConvModel model, string mode, float[] x, float[] y, float[] dy, float[] dx) => mode switch
        {
            "fwd" or "ifwd" => () => model.Forward(x, y),
            "infer" => () => model.Infer(x, y),
            "bw" => () => model.Backward(dy, Span<float>.Empty),
            "bwdx" => () => model.Backward(dy, dx),
            "step" => () => { model.Forward(x, y); model.Backward(dy, dx); },
            _ => throw new ArgumentException($"unknown mode '{mode}': fwd, infer, ifwd, bw, bwdx or step"),
        };

        internal static double Median(double[] values) => values.Order().ElementAt(values.Length / 2);

        /// <summary>
        /// Workload <paramref name="id"/>'s generated model from the GenConv.Workloads.dll in <paramref name="directory"/>: its
        /// InferenceOnly twin for mode <c>ifwd</c> (builds from 2026-12-04 on; older ones have no twins).
        /// </summary>
        private static IGenConvModel Load(string directory, string id, int batch, string mode)
        {
            Assembly workloads = new BuildContext(directory).LoadFromAssemblyName(new AssemblyName("GenConv.Workloads"));
            Type registry = workloads.GetType("GenConv.Workloads.WorkloadRegistry", throwOnError: true)!;
            object workload = registry.GetMethod("Get")!.Invoke(null, new object[] { id })!;
            object generated = Enum.Parse(workloads.GetType("GenConv.Workloads.Variant", throwOnError: true)!, "Generated");
            MethodInfo create = workload.GetType().GetMethod("Create")!;
            object[] arguments = create.GetParameters().Length == 3 ? new object[] { generated, batch, 0 } : new object[] { generated, batch, 0, mode == "ifwd" };
            if (mode == "ifwd" && arguments.Length == 3) throw new ArgumentException($"{directory}: a build without InferenceOnly twins");
            return (IGenConvModel)create.Invoke(workload, arguments)!;
        }

        /// <summary>Loads GenConv.Workloads from one build's directory; everything else (the GenConv runtime) from this process.</summary>
        private sealed class BuildContext : AssemblyLoadContext
        {
            private readonly string directory;

            public BuildContext(string directory) : base(directory) => this.directory = Path.GetFullPath(directory);

            protected override Assembly? Load(AssemblyName name) =>
                name.Name == "GenConv.Workloads" ? LoadFromAssemblyPath(Path.Combine(directory, name.Name + ".dll")) : null;
        }
    }
}
