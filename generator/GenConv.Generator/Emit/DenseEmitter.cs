using System;
using System.Collections.Generic;
using System.Linq;
using GenConv.Generator.Helpers;
using GenConv.Generator.Planning;

namespace GenConv.Generator.Emit
{
    /// <summary>
    /// Fully connected layers, weights [out, in]. Forward is four dot products for each of four samples at a time (they
    /// share the weight and input loads); both backward kernels are row combinations — weighted sums of contiguous rows
    /// kept in registers — for four targets at a time.
    /// </summary>
    internal sealed class DenseEmitter : LayerEmitter
    {
        public static readonly DenseEmitter Instance = new DenseEmitter();
        private const int RowTile = 4;
        /// <summary>Samples (forward, backward data) or weight rows (backward weights) one pass over the shared operand serves.</summary>
        private const int Targets = 4;
        /// <summary>Floats that several passes may re-read from L1: half of a 32 KB L1 data cache.</summary>
        private const int L1ResidentFloats = 4096;
        /// <summary>Source rows at least this long (8 KB) are streamed from beyond L2 when a batch of them is combined.</summary>
        private const int StreamedRowLength = 2048;

        public override Buffer[]? Buffers(LayerPlan l, Stage stage)
        {
            var list = new List<Buffer>();
            switch (stage)
            {
                case Stage.Forward:
                    list.AddRange(new[] { Buffer.Input, Buffer.Weight });
                    if (l.BiasCount > 0) list.Add(Buffer.Bias);
                    list.Add(Buffer.Output);
                    break;
                case Stage.BackwardWeights:
                    list.AddRange(new[] { Buffer.Input, Buffer.OutputGradient, Buffer.WeightGradient });
                    if (l.BiasCount > 0) list.Add(Buffer.BiasGradient);
                    break;
                case Stage.BackwardData:
                    list.AddRange(new[] { Buffer.OutputGradient, Buffer.Weight, Buffer.InputGradient });
                    if (l.RectifiesInputGradient) list.Add(Buffer.Input); // the ReLU's output, for its fused backward
                    break;
                default:
                    return null;
            }
            return list.ToArray();
        }

        public override void EmitBody(SourceWriter w, LayerPlan l, Stage stage)
        {
            int inF = l.InputLength, outF = l.OutputLength;
            switch (stage)
            {
                case Stage.Forward:
                    // Four samples at a time share every weight load (a batch reads the weights a quarter as often).
                    w.Line("int n = start;");
                    using (w.Open($"for (; n + {Targets} <= end; n += {Targets})"))
                        EmitDotRowTiles(w, l, samples: Targets);
                    using (w.Open("for (; n < end; n++)"))
                        EmitDotRowTiles(w, l, samples: 1);
                    break;
                case Stage.BackwardWeights:
                    // dW[o, :] = Σ_n dY[n, o] · X[n, :], four rows at a time (sharing every X load);  dB[o] = Σ_n dY[n, o].
                    using (w.Open($"for (int o = start; o < end; o += {Targets})"))
                    {
                        w.Line($"int rows = Math.Min({Targets}, end - o);");
                        using (w.Open($"if (rows == {Targets})"))
                            EmitRowCombination(w, inF, "batch", Targets, (t, n) => $"{Unsafe}.Add(ref dy, {n} * {I(outF)} + o + {t})", "x", t => $"ref {Unsafe}.Add(ref dw, (o + {t}) * {I(inF)})");
                        using (w.Open("else"))
                            using (w.Open("for (int row = o; row < o + rows; row++)"))
                                EmitRowCombination(w, inF, "batch", 1, (t, n) => $"{Unsafe}.Add(ref dy, {n} * {I(outF)} + row)", "x", t => $"ref {Unsafe}.Add(ref dw, row * {I(inF)})");
                        if (l.BiasCount > 0)
                            using (w.Open("for (int r = o; r < o + rows; r++)"))
                            {
                                w.Line("float bias = 0f;");
                                using (w.Open("for (int n = 0; n < batch; n++)"))
                                    w.Line($"bias += {Unsafe}.Add(ref dy, n * {I(outF)} + r);");
                                w.Line($"{Unsafe}.Add(ref db, r) = bias;");
                            }
                    }
                    break;
                default:
                    // dX[n, :] = Σ_o dY[n, o] · W[o, :], four samples at a time (they share every weight load); with a ReLU before
                    // this layer, kept where X[n, :] (the ReLU's output) is positive.
                    System.Func<int, string>? rectifier = l.RectifiesInputGradient ? t => $"ref {Unsafe}.Add(ref x, (n + {t}) * {I(inF)})" : null;
                    w.Line("int n = start;");
                    using (w.Open($"for (; n + {Targets} <= end; n += {Targets})"))
                        EmitRowCombination(w, inF, I(outF), Targets, (t, o) => $"{Unsafe}.Add(ref dy, (n + {t}) * {I(outF)} + {o})", "w", t => $"ref {Unsafe}.Add(ref dx, (n + {t}) * {I(inF)})", rectifier);
                    using (w.Open("for (; n < end; n++)"))
                        EmitRowCombination(w, inF, I(outF), 1, (t, o) => $"{Unsafe}.Add(ref dy, n * {I(outF)} + {o})", "w", t => $"ref {Unsafe}.Add(ref dx, n * {I(inF)})", rectifier);
                    break;
            }
        }

        /// <summary>
        /// target_t[i] = Σ_{k &lt; count} scale(t, k) · source[k · length + i] for i &lt; length and each of
        /// <paramref name="targets"/> targets: blocks of 4 vectors per target stay in registers across the whole sum (the
        /// targets share every source load), then single vectors, then scalars; 512-bit where the hardware has it. Every
        /// element is summed over k in the same order on every path, so all widths agree bit for bit.
        /// </summary>
        private static void EmitRowCombination(SourceWriter w, int length, string count, int targets, System.Func<int, string, string> scale, string source, System.Func<int, string> target,
            System.Func<int, string>? rectifier = null)
        {
            using (w.Open(""))
            {
                for (int t = 0; t < targets; t++) w.Line($"ref float t{t} = {target(t)};");
                if (rectifier is not null)
                    for (int t = 0; t < targets; t++) w.Line($"ref float m{t} = {rectifier(t)};");
                // Each sum as stored, through the fused ReLU backward (kept where the mask row is positive) if there is one.
                string Stored(int t, string sum, string at, VectorFlavor? f) => rectifier is null ? sum
                    : f is null ? $"Activations.ReluBackward({Unsafe}.Add(ref m{t}, {at}), {sum})"
                    : $"Activations.ReluBackward({f.Api}.LoadUnsafe(ref m{t}, (nuint)({at})), {sum})";
                w.Line("int i = 0;");
                bool wide = length >= VectorFlavor.Wide.Lanes;
                VectorFlavor.EmitByWidth(w, wide, null, f =>
                {
                    // Blocks of 4 vectors per target where AVX-512's 32 registers hold them; with 16 registers, as many as
                    // keep every target's sums within the tile's accumulator budget (4 targets × 3 vectors: with the loaded
                    // vectors and the broadcast all 16 registers, which the JIT keeps without spilling; L8's weight
                    // gradients 43.5-45.6 -> 40.8 us against 2 vectors), unless the source rows are long enough to stream
                    // from beyond L2, where two cache lines per row and step paid more than the spills cost (L9's weight
                    // gradients, 4096 floats a row: 67-71 us against 73-102 us at 2 vectors).
                    int block = f == VectorFlavor.Wide || length >= StreamedRowLength ? RowTile
                        : Math.Max(1, Math.Min(RowTile, LayerPlan.WeightAccumulatorBudget(f.PlannedLanes) / targets));
                    var loops = new List<(VectorFlavor F, int Vectors)> { (f, block) };
                    if (block > 1) loops.Add((f, 1));
                    // Past the last 512-bit vector, a 256-bit one before the scalars (a length of 120 leaves 8).
                    if (f == VectorFlavor.Wide && length % VectorFlavor.Wide.Lanes >= VectorFlavor.V256.Lanes) loops.Add((VectorFlavor.V256, 1));
                    foreach (var (flavor, vectors) in loops)
                        EmitVectorLoop(flavor, vectors);
                });
                void EmitVectorLoop(VectorFlavor f, int vectors)
                {
                    using (w.Open($"for (; i <= {I(length)} - {vectors} * {f.Count}; i += {vectors} * {f.Count})"))
                    {
                        for (int t = 0; t < targets; t++)
                            for (int j = 0; j < vectors; j++) w.Line($"{f.Type} a{t}_{j} = {f.Type}.Zero;");
                        // A native-int k: each broadcast's constant target offset folds into its address (no 32-bit
                        // add and sign extension per broadcast, which left the 16-register loop dispatch-bound).
                        using (w.Open($"for (nint k = 0; k < {count}; k++)"))
                        {
                            w.Line($"ref float r = ref {Unsafe}.Add(ref {source}, k * {I(length)} + i);");
                            for (int j = 0; j < vectors; j++)
                                w.Line($"{f.Type} v{j} = {f.Api}.LoadUnsafe(ref r, (nuint)({j} * {f.Count}));");
                            for (int t = 0; t < targets; t++)
                            {
                                w.Line($"{f.Type} s{t} = {f.Broadcast(scale(t, "k"))};");
                                for (int j = 0; j < vectors; j++)
                                    w.Line($"a{t}_{j} = {f.Api}.FusedMultiplyAdd(s{t}, v{j}, a{t}_{j});");
                            }
                        }
                        for (int t = 0; t < targets; t++)
                            for (int j = 0; j < vectors; j++)
                                w.Line($"{f.Api}.StoreUnsafe({Stored(t, $"a{t}_{j}", $"i + {j} * {f.Count}", f)}, ref t{t}, (nuint)(i + {j} * {f.Count}));");
                    }
                }
                using (w.Open($"for (; i < {I(length)}; i++)"))
                    for (int t = 0; t < targets; t++)
                    {
                        w.Line($"float a{t} = 0f;");
                        using (w.Open($"for (int k = 0; k < {count}; k++)"))
                            w.Line($"a{t} = MathF.FusedMultiplyAdd({scale(t, "k")}, {Unsafe}.Add(ref {source}, k * {I(length)} + i), a{t});");
                        w.Line($"{Unsafe}.Add(ref t{t}, i) = {Stored(t, $"a{t}", "i", null)};");
                    }
            }
        }

        /// <summary>
        /// All outputs of samples n .. n + samples − 1, in near-equal tiles of weight rows: up to <see cref="RowTile"/> per
        /// pass for several samples, twice that for one (a lone sample has fewer sums in flight to cover the FMA latency).
        /// </summary>
        private static void EmitDotRowTiles(SourceWriter w, LayerPlan l, int samples)
        {
            int rowTile = samples == 1 ? 2 * RowTile : RowTile;
            int inF = l.InputLength, outF = l.OutputLength;
            for (int s = 0; s < samples; s++)
            {
                w.Line($"ref float x{s} = ref {Unsafe}.Add(ref x, (n + {s}) * {I(inF)});");
                w.Line($"ref float y{s} = ref {Unsafe}.Add(ref y, (n + {s}) * {I(outF)});");
            }
            EmitTiles(w, "o", outF, rowTile, rows => EmitDotRows(w, l, rows, samples));
        }

        /// <summary>
        /// y_s[o + j] = b[o + j] + W[o + j, :] · x_s for j &lt; rows and each sample s: 8-lane partial sums (the same on every
        /// vector width), then a scalar tail. With AVX-512, two 8-lane sums share one 512-bit register (<see cref="EmitPairedDots"/>).
        /// </summary>
        private static void EmitDotRows(SourceWriter w, LayerPlan l, int rows, int samples)
        {
            int inF = l.InputLength;
            for (int j = 0; j < rows; j++)
                w.Line($"ref float w{j} = ref {Unsafe}.Add(ref w, (o + {j}) * {I(inF)});");
            for (int s = 0; s < samples; s++)
                for (int j = 0; j < rows; j++) w.Line($"float s{s}_{j};");
            void Tail()
            {
                using (w.Open($"for (; i < {I(inF)}; i++)"))
                    for (int s = 0; s < samples; s++)
                    {
                        w.Line($"float v{s} = {Unsafe}.Add(ref x{s}, i);");
                        for (int j = 0; j < rows; j++)
                            w.Line($"s{s}_{j} = MathF.FusedMultiplyAdd({Unsafe}.Add(ref w{j}, i), v{s}, s{s}_{j});");
                    }
            }
            bool paired = samples % 2 == 0 || rows > 1;
            if (paired)
                using (w.Open("if (Vector512.IsHardwareAccelerated && global::System.Runtime.Intrinsics.X86.Avx512F.IsSupported)"))
                {
                    EmitPairedDots(w, inF, rows, samples);
                    Tail();
                }
            LaneReduction.Emit(w, lanes =>
            {
                // Passes of as many weight rows as the registers hold for every sample, where the samples' inputs stay
                // in L1 for the next pass (each sum's operations are the same in any split; the tail below finishes
                // them all from the same i). Past that, one pass re-reads nothing and the spills cost less (L9).
                bool inputsStayInL1 = (long)samples * inF <= L1ResidentFloats;
                int rowsPerPass = inputsStayInL1 ? Math.Max(1, Math.Min(rows, lanes.AccumulatorBudget / samples)) : rows;
                w.Line("int i = 0;");
                for (int first = 0; first < rows; first += rowsPerPass)
                    using (w.OpenIf(rowsPerPass < rows, ""))
                    {
                        var passRows = Enumerable.Range(first, Math.Min(rowsPerPass, rows - first)).ToArray();
                        for (int s = 0; s < samples; s++)
                            foreach (int j in passRows) lanes.DeclareZero($"a{s}_{j}");
                        using (w.Open($"for ({(first == 0 ? "" : "i = 0")}; i <= {I(inF - LaneReduction.Lanes)}; i += {LaneReduction.Lanes})"))
                        {
                            foreach (int j in passRows)
                                lanes.DeclareLoad($"k{j}", $"w{j}", "i");
                            for (int s = 0; s < samples; s++)
                                foreach (int j in passRows)
                                    lanes.MultiplyAdd($"a{s}_{j}", $"k{j}", $"x{s}", "i");
                        }
                        for (int s = 0; s < samples; s++)
                            foreach (int j in passRows) w.Line($"s{s}_{j} = {lanes.Sum($"a{s}_{j}")};");
                    }
                Tail();
            }, continuesChain: paired);
            for (int s = 0; s < samples; s++)
                for (int j = 0; j < rows; j++)
                    w.Line($"{Unsafe}.Add(ref y{s}, o + {j}) = {Activated(l, l.BiasCount > 0 ? $"{Unsafe}.Add(ref b, o + {j}) + s{s}_{j}" : $"s{s}_{j}")};");
        }

        /// <summary>
        /// The 8-lane sums of <see cref="EmitDotRows"/> two to a 512-bit register, so AVX-512 does them at full width: the
        /// lower half holds sample s's lanes and the upper half sample s + 1's, multiplied by one weight run in both halves
        /// (or, for a lone sample, rows j and j + 1 against the input in both halves). Each half does exactly the 256-bit
        /// path's fused multiply-adds on its lanes and is reduced by the same tree, so the bits are the same.
        /// </summary>
        private static void EmitPairedDots(SourceWriter w, int inF, int rows, int samples)
        {
            bool pairSamples = samples % 2 == 0;
            string Run(string source) => $"Vector256.LoadUnsafe(ref {source}, (nuint)i)";
            // Hardware intrinsics, not Vector512.Create(lower, upper): in a method this large the JIT's inliner gives up on
            // that helper and calls it (15× slower); intrinsics are always expanded.
            const string Avx512F = "global::System.Runtime.Intrinsics.X86.Avx512F";
            string Pair(string lower, string upper) => $"{Avx512F}.InsertVector256(Vector256.ToVector512Unsafe({Run(lower)}), {Run(upper)}, 1)";
            string Both(string source) => Pair(source, source);
            // Each register: its name, and the (sample, row) sums of its lower and upper halves.
            var registers = new List<(string Name, int LowerSample, int LowerRow, int UpperSample, int UpperRow)>();
            if (pairSamples)
            {
                for (int s = 0; s < samples; s += 2)
                    for (int j = 0; j < rows; j++) registers.Add(($"p{s}_{j}", s, j, s + 1, j));
            }
            else // an odd last row pairs with itself; its upper half is not read
                for (int s = 0; s < samples; s++)
                    for (int j = 0; j < rows; j += 2) registers.Add(($"p{s}_{j}", s, j, s, Math.Min(j + 1, rows - 1)));
            foreach (var r in registers) w.Line($"Vector512F {r.Name} = Vector512F.Zero;");
            w.Line("int i = 0;");
            using (w.Open($"for (; i <= {I(inF - LaneReduction.Lanes)}; i += {LaneReduction.Lanes})"))
            {
                if (pairSamples)
                {
                    for (int s = 0; s < samples; s += 2) w.Line($"Vector512F x{s}_{s + 1} = {Pair($"x{s}", $"x{s + 1}")};");
                    for (int j = 0; j < rows; j++) w.Line($"Vector512F k{j} = {Both($"w{j}")};");
                    foreach (var r in registers)
                        w.Line($"{r.Name} = Vector512.FusedMultiplyAdd(k{r.LowerRow}, x{r.LowerSample}_{r.UpperSample}, {r.Name});");
                }
                else
                {
                    for (int s = 0; s < samples; s++) w.Line($"Vector512F v{s} = {Both($"x{s}")};");
                    foreach (var (lower, upper) in registers.Select(r => (r.LowerRow, r.UpperRow)).Distinct())
                        w.Line($"Vector512F k{lower}_{upper} = {Pair($"w{lower}", $"w{upper}")};");
                    foreach (var r in registers)
                        w.Line($"{r.Name} = Vector512.FusedMultiplyAdd(k{r.LowerRow}_{r.UpperRow}, v{r.LowerSample}, {r.Name});");
                }
            }
            foreach (var r in registers)
            {
                w.Line($"s{r.LowerSample}_{r.LowerRow} = global::GenConv.Kernels.LaneSum.Of(Vector512.GetLower({r.Name}));");
                if ((r.UpperSample, r.UpperRow) != (r.LowerSample, r.LowerRow))
                    w.Line($"s{r.UpperSample}_{r.UpperRow} = global::GenConv.Kernels.LaneSum.Of(Vector512.GetUpper({r.Name}));");
            }
        }
    }
}
