using System.Collections.Generic;
using GenConv.Generator.Helpers;
using GenConv.Generator.Planning;

namespace GenConv.Generator.Emit
{
    /// <summary>
    /// Fully connected layers, weights [out, in]. Forward is four dot products at a time (sharing the input loads);
    /// both backward kernels are vectorized axpy passes over contiguous rows.
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
                default:
                    list.AddRange(new[] { Buffer.OutputGradient, Buffer.Weight, Buffer.InputGradient });
                    break;
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
                    using (w.Open($"for (int o = 0; o < {I(outF)}; o++)"))
                    {
                        w.Line($"ref float row = ref {Unsafe}.Add(ref dw, o * {I(inF)});");
                        w.Line($"MemoryMarshal.CreateSpan(ref row, {I(inF)}).Clear();");
                        if (l.BiasCount > 0) w.Line("float bias = 0f;");
                        using (w.Open("for (int n = 0; n < batch; n++)"))
                        {
                            w.Line($"float g = {Unsafe}.Add(ref dy, n * {I(outF)} + o);");
                            if (l.BiasCount > 0) w.Line("bias += g;");
                            EmitAxpy(w, inF, "g", $"ref {Unsafe}.Add(ref x, n * {I(inF)})", "row");
                        }
                        if (l.BiasCount > 0) w.Line($"{Unsafe}.Add(ref db, o) = bias;");
                    }
                    break;
                default:
                    // dX[n, :] = Σ_o dY[n, o] · W[o, :].
                    using (OpenSampleLoop(w, ("dy", outF), ("dx", inF)))
                    {
                        w.Line($"MemoryMarshal.CreateSpan(ref dxs, {I(inF)}).Clear();");
                        using (w.Open($"for (int o = 0; o < {I(outF)}; o++)"))
                        {
                            w.Line($"float g = {Unsafe}.Add(ref dys, o);");
                            EmitAxpy(w, inF, "g", $"ref {Unsafe}.Add(ref w, o * {I(inF)})", "dxs");
                        }
                    }
                    break;
            }
        }

        /// <summary>y[o + j] = b[o + j] + W[o + j, :] · x for j &lt; rows: vector partial sums, then a scalar tail.</summary>
        private static void EmitDotRows(SourceWriter w, LayerPlan l, int rows)
        {
            int inF = l.InputLength;
            for (int j = 0; j < rows; j++)
            {
                w.Line($"ref float w{j} = ref {Unsafe}.Add(ref w, (o + {j}) * {I(inF)});");
                w.Line($"VectorF a{j} = VectorF.Zero;");
            }
            w.Line("int i = 0;");
            using (w.Open("if (Vector.IsHardwareAccelerated)"))
            using (w.Open($"for (; i <= {I(inF)} - VectorF.Count; i += VectorF.Count)"))
            {
                w.Line("VectorF v = Vector.LoadUnsafe(ref xs, (nuint)i);");
                for (int j = 0; j < rows; j++)
                    w.Line($"a{j} = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref w{j}, (nuint)i), v, a{j});");
            }
            for (int j = 0; j < rows; j++) w.Line($"float s{j} = Vector.Sum(a{j});");
            using (w.Open($"for (; i < {I(inF)}; i++)"))
            {
                w.Line($"float v = {Unsafe}.Add(ref xs, i);");
                for (int j = 0; j < rows; j++)
                    w.Line($"s{j} = MathF.FusedMultiplyAdd({Unsafe}.Add(ref w{j}, i), v, s{j});");
            }
            for (int j = 0; j < rows; j++)
                w.Line(l.BiasCount > 0 ? $"{Unsafe}.Add(ref ys, o + {j}) = {Unsafe}.Add(ref b, o + {j}) + s{j};" : $"{Unsafe}.Add(ref ys, o + {j}) = s{j};");
        }

        /// <summary>target[0..length] += scale · source[0..length], vectorized with a scalar tail doing the same fused operation.</summary>
        private static void EmitAxpy(SourceWriter w, int length, string scale, string source, string target)
        {
            using (w.Open(""))
            {
                w.Line($"ref float src = {source};");
                w.Line("int i = 0;");
                using (w.Open("if (Vector.IsHardwareAccelerated)"))
                {
                    w.Line($"VectorF s = new VectorF({scale});");
                    using (w.Open($"for (; i <= {I(length)} - VectorF.Count; i += VectorF.Count)"))
                        w.Line($"Vector.StoreUnsafe(Vector.FusedMultiplyAdd(s, Vector.LoadUnsafe(ref src, (nuint)i), Vector.LoadUnsafe(ref {target}, (nuint)i)), ref {target}, (nuint)i);");
                }
                using (w.Open($"for (; i < {I(length)}; i++)"))
                    w.Line($"{Unsafe}.Add(ref {target}, i) = MathF.FusedMultiplyAdd({scale}, {Unsafe}.Add(ref src, i), {Unsafe}.Add(ref {target}, i));");
            }
        }
    }
}
