using System.Collections.Generic;
using GenConv.Generator.Helpers;
using GenConv.Generator.Planning;

namespace GenConv.Generator.Emit
{
    /// <summary>
    /// Fully connected layers, weights [out, in]. Forward is four dot products at a time (sharing the input loads);
    /// both backward kernels are one row combination — a weighted sum of contiguous rows kept in registers.
    /// </summary>
    internal sealed class DenseEmitter : LayerEmitter
    {
        public static readonly DenseEmitter Instance = new DenseEmitter();
        private const int RowTile = 4;

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
                    using (OpenSampleLoop(w, ("x", inF), ("y", outF)))
                    {
                        int main = outF - outF % RowTile;
                        if (main > 0)
                            using (w.Open($"for (int o = 0; o < {I(main)}; o += {RowTile})"))
                                EmitDotRows(w, l, RowTile);
                        if (main < outF)
                            using (w.Open($"for (int o = {I(main)}; o < {I(outF)}; o++)"))
                                EmitDotRows(w, l, 1);
                    }
                    break;
                case Stage.BackwardWeights:
                    // dW[o, :] = Σ_n dY[n, o] · X[n, :];  dB[o] = Σ_n dY[n, o].
                    using (w.Open("for (int o = start; o < end; o++)"))
                    {
                        EmitRowCombination(w, inF, "batch", n => $"{Unsafe}.Add(ref dy, {n} * {I(outF)} + o)", "x", $"ref {Unsafe}.Add(ref dw, o * {I(inF)})");
                        if (l.BiasCount > 0)
                        {
                            w.Line("float bias = 0f;");
                            using (w.Open("for (int n = 0; n < batch; n++)"))
                                w.Line($"bias += {Unsafe}.Add(ref dy, n * {I(outF)} + o);");
                            w.Line($"{Unsafe}.Add(ref db, o) = bias;");
                        }
                    }
                    break;
                default:
                    // dX[n, :] = Σ_o dY[n, o] · W[o, :].
                    using (w.Open("for (int n = start; n < end; n++)"))
                        EmitRowCombination(w, inF, I(outF), o => $"{Unsafe}.Add(ref dy, n * {I(outF)} + {o})", "w", $"ref {Unsafe}.Add(ref dx, n * {I(inF)})");
                    break;
            }
        }

        /// <summary>
        /// target[i] = Σ_{k &lt; count} scale(k) · source[k · length + i] for i &lt; length: a block of 4 vectors of target stays
        /// in registers across the whole sum (one broadcast and four loads per k), then single vectors, then scalars.
        /// Every element is summed over k in the same order on every path, so all widths agree bit for bit.
        /// </summary>
        private static void EmitRowCombination(SourceWriter w, int length, string count, System.Func<string, string> scale, string source, string target)
        {
            using (w.Open(""))
            {
                w.Line($"ref float t = {target};");
                w.Line("int i = 0;");
                using (w.Open("if (Vector.IsHardwareAccelerated)"))
                {
                    foreach (int vectors in new[] { RowTile, 1 })
                        using (w.Open($"for (; i <= {I(length)} - {vectors} * VectorF.Count; i += {vectors} * VectorF.Count)"))
                        {
                            for (int j = 0; j < vectors; j++) w.Line($"VectorF a{j} = VectorF.Zero;");
                            using (w.Open($"for (int k = 0; k < {count}; k++)"))
                            {
                                w.Line($"VectorF s = new VectorF({scale("k")});");
                                w.Line($"ref float r = ref {Unsafe}.Add(ref {source}, k * {I(length)} + i);");
                                for (int j = 0; j < vectors; j++)
                                    w.Line($"a{j} = Vector.FusedMultiplyAdd(s, Vector.LoadUnsafe(ref r, (nuint)({j} * VectorF.Count)), a{j});");
                            }
                            for (int j = 0; j < vectors; j++)
                                w.Line($"Vector.StoreUnsafe(a{j}, ref t, (nuint)(i + {j} * VectorF.Count));");
                        }
                }
                using (w.Open($"for (; i < {I(length)}; i++)"))
                {
                    w.Line("float a = 0f;");
                    using (w.Open($"for (int k = 0; k < {count}; k++)"))
                        w.Line($"a = MathF.FusedMultiplyAdd({scale("k")}, {Unsafe}.Add(ref {source}, k * {I(length)} + i), a);");
                    w.Line($"{Unsafe}.Add(ref t, i) = a;");
                }
            }
        }

        /// <summary>y[o + j] = b[o + j] + W[o + j, :] · x for j &lt; rows: 8-lane partial sums (the same on every vector width), then a scalar tail.</summary>
        private static void EmitDotRows(SourceWriter w, LayerPlan l, int rows)
        {
            int inF = l.InputLength;
            for (int j = 0; j < rows; j++)
                w.Line($"ref float w{j} = ref {Unsafe}.Add(ref w, (o + {j}) * {I(inF)});");
            for (int j = 0; j < rows; j++) w.Line($"float s{j};");
            LaneReduction.Emit(w, lanes =>
            {
                for (int j = 0; j < rows; j++) lanes.DeclareZero($"a{j}");
                w.Line("int i = 0;");
                using (w.Open($"for (; i <= {I(inF - LaneReduction.Lanes)}; i += {LaneReduction.Lanes})"))
                {
                    lanes.DeclareLoad("v", "xs", "i");
                    for (int j = 0; j < rows; j++)
                        lanes.MultiplyAdd($"a{j}", "v", $"w{j}", "i");
                }
                for (int j = 0; j < rows; j++) w.Line($"s{j} = {lanes.Sum($"a{j}")};");
                using (w.Open($"for (; i < {I(inF)}; i++)"))
                {
                    w.Line($"float v = {Unsafe}.Add(ref xs, i);");
                    for (int j = 0; j < rows; j++)
                        w.Line($"s{j} = MathF.FusedMultiplyAdd({Unsafe}.Add(ref w{j}, i), v, s{j});");
                }
            });
            for (int j = 0; j < rows; j++)
                w.Line(l.BiasCount > 0 ? $"{Unsafe}.Add(ref ys, o + {j}) = {Unsafe}.Add(ref b, o + {j}) + s{j};" : $"{Unsafe}.Add(ref ys, o + {j}) = s{j};");
        }
    }
}
