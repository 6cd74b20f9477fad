using System.Collections.Generic;
using GenConv.Generator.Helpers;
using GenConv.Generator.Planning;

namespace GenConv.Generator.Emit
{
    /// <summary>
    /// Convolution kernels with every size a literal. The input is copied once into a zero-padded buffer of the
    /// layer's own, so no tap ever tests a bound. Forward computes a tile of output channels per row pass
    /// (they share every input load); with stride 1 the output row is vectorized (Vector&lt;float&gt;), with a
    /// scalar tail that performs the same fused operations in the same order, so every lane equals its scalar.
    /// </summary>
    internal sealed class ConvEmitter : LayerEmitter
    {
        public static readonly ConvEmitter Instance = new ConvEmitter();

        public override Buffer[]? Buffers(LayerPlan l, Stage stage)
        {
            var list = new List<Buffer>();
            switch (stage)
            {
                case Stage.Forward:
                    list.Add(Buffer.Input);
                    list.Add(Buffer.Weight);
                    if (l.BiasCount > 0) list.Add(Buffer.Bias);
                    list.Add(Buffer.Output);
                    if (l.NeedsPaddedInput) list.Add(Buffer.PaddedInput);
                    break;
                case Stage.BackwardWeights:
                    list.Add(l.NeedsPaddedInput ? Buffer.PaddedInput : Buffer.Input);
                    list.Add(Buffer.OutputGradient);
                    list.Add(Buffer.WeightGradient);
                    if (l.BiasCount > 0) list.Add(Buffer.BiasGradient);
                    break;
                default:
                    list.Add(Buffer.OutputGradient);
                    list.Add(Buffer.Weight);
                    list.Add(Buffer.InputGradient);
                    if (l.NeedsPaddedInput) list.Add(Buffer.PaddedInputGradient);
                    break;
            }
            return list.ToArray();
        }

        public override void EmitBody(SourceWriter w, LayerPlan l, Stage stage)
        {
            switch (stage)
            {
                case Stage.Forward: EmitForward(w, l); break;
                case Stage.BackwardWeights: EmitBackwardWeights(w, l); break;
                default: EmitBackwardData(w, l); break;
            }
        }

        private static int WindowSize(LayerPlan l) => l.Input.Channels * l.Spec.KernelH * l.Spec.KernelW;
        private static int PlaneLength(LayerPlan l) => l.PaddedHeight * l.PaddedWidth;

        private static void EmitForward(SourceWriter w, LayerPlan l)
        {
            var perSample = new List<(string, long)> { ("x", l.InputLength), ("y", l.OutputLength) };
            if (l.NeedsPaddedInput) perSample.Add(("xp", l.PaddedLength));
            using (OpenSampleLoop(w, perSample.ToArray()))
            {
                string source = "xs";
                if (l.NeedsPaddedInput)
                {
                    w.Line("// The padded buffer's border stays zero from allocation on; only its interior is written.");
                    EmitRowCopy(w, l, "xs", "xps", toPadded: true);
                    source = "xps";
                }
                int oc = l.Output.Channels, tile = l.ChannelTile, main = oc - oc % tile;
                if (main > 0)
                    using (w.Open($"for (int oc = 0; oc < {I(main)}; oc += {I(tile)})"))
                        EmitForwardTile(w, l, source, tile);
                if (main < oc)
                    using (w.Open(""))
                    {
                        w.Line($"const int oc = {I(main)};");
                        EmitForwardTile(w, l, source, oc - main);
                    }
            }
        }

        /// <summary>One pass over the output rows for <paramref name="count"/> output channels starting at <c>oc</c>.</summary>
        private static void EmitForwardTile(SourceWriter w, LayerPlan l, string source, int count)
        {
            int oh = l.Output.Height, ow = l.Output.Width, pw = l.PaddedWidth;
            for (int j = 0; j < count; j++)
            {
                w.Line($"ref float w{j} = ref {Unsafe}.Add(ref w, (oc + {j}) * {I(WindowSize(l))});");
                w.Line(l.BiasCount > 0 ? $"float b{j} = {Unsafe}.Add(ref b, oc + {j});" : $"const float b{j} = 0f;");
            }
            using (w.Open($"for (int oh = 0; oh < {I(oh)}; oh++)"))
            {
                w.Line($"ref float xr = ref {Unsafe}.Add(ref {source}, oh * {I((long)l.Spec.StrideH * pw)});");
                for (int j = 0; j < count; j++)
                    w.Line($"ref float yr{j} = ref {Unsafe}.Add(ref ys, (oc + {j}) * {I((long)oh * ow)} + oh * {I(ow)});");
                w.Line("int ow = 0;");
                if (l.Spec.StrideW == 1)
                    using (w.Open("if (Vector.IsHardwareAccelerated)"))
                    using (w.Open($"for (; ow <= {I(ow)} - VectorF.Count; ow += VectorF.Count)"))
                    {
                        for (int j = 0; j < count; j++) w.Line($"VectorF a{j} = new VectorF(b{j});");
                        w.Line("VectorF v;");
                        w.Line($"ref float xo = ref {Unsafe}.Add(ref xr, ow);");
                        EmitChannelLoop(w, l, "xo", PlaneLength(l), () => EmitTaps(w, l, pw, (offset, tap) =>
                        {
                            w.Line($"v = Vector.LoadUnsafe(ref xi, (nuint)({offset}));");
                            for (int j = 0; j < count; j++)
                                w.Line($"a{j} = Vector.FusedMultiplyAdd(new VectorF({Unsafe}.Add(ref w{j}, wi + {tap})), v, a{j});");
                        }));
                        for (int j = 0; j < count; j++) w.Line($"Vector.StoreUnsafe(a{j}, ref yr{j}, (nuint)ow);");
                    }
                using (w.Open($"for (; ow < {I(ow)}; ow++)"))
                {
                    for (int j = 0; j < count; j++) w.Line($"float s{j} = b{j};");
                    w.Line("float v;");
                    w.Line($"ref float xo = ref {Unsafe}.Add(ref xr, ow * {I(l.Spec.StrideW)});");
                    EmitChannelLoop(w, l, "xo", PlaneLength(l), () => EmitTaps(w, l, pw, (offset, tap) =>
                    {
                        w.Line($"v = {Unsafe}.Add(ref xi, {offset});");
                        for (int j = 0; j < count; j++)
                            w.Line($"s{j} = MathF.FusedMultiplyAdd({Unsafe}.Add(ref w{j}, wi + {tap}), v, s{j});");
                    }));
                    for (int j = 0; j < count; j++) w.Line($"{Unsafe}.Add(ref yr{j}, ow) = s{j};");
                }
            }
        }

        /// <summary>
        /// dW[oc, ic, kh, kw] = Σ over batch and output pixels of dY · X(shifted by the tap): one specialized reduction
        /// (<c>…WeightTap</c>) called per tap with the tap's constant offset. dB[oc] = Σ dY.
        /// </summary>
        private static void EmitBackwardWeights(SourceWriter w, LayerPlan l)
        {
            string source = l.NeedsPaddedInput ? "xp" : "x";
            int pixels = l.Output.Height * l.Output.Width;
            using (w.Open($"for (int oc = 0; oc < {I(l.Output.Channels)}; oc++)"))
            {
                if (l.BiasCount > 0)
                {
                    w.Line("float bias = 0f;");
                    using (w.Open("for (int n = 0; n < batch; n++)"))
                    using (w.Open($"for (int p = 0; p < {I(pixels)}; p++)"))
                        w.Line($"bias += {Unsafe}.Add(ref dy, n * {I(l.OutputLength)} + oc * {I(pixels)} + p);");
                    w.Line($"{Unsafe}.Add(ref db, oc) = bias;");
                }
                w.Line($"ref float gy = ref {Unsafe}.Add(ref dy, oc * {I(pixels)});");
                w.Line($"ref float dwo = ref {Unsafe}.Add(ref dw, oc * {I(WindowSize(l))});");
                EmitChannelLoop(w, l, source, PlaneLength(l), () => EmitTaps(w, l, l.PaddedWidth, (offset, tap) =>
                    w.Line($"{Unsafe}.Add(ref dwo, wi + {tap}) = Layer{l.Index}WeightTap(batch, ref {Unsafe}.Add(ref xi, {offset}), ref gy);")));
            }
        }

        /// <summary>The reduction behind one weight tap: Σ over samples, rows and columns of dY[oc] · X[ic] shifted by the tap.</summary>
        public static void EmitWeightTapHelper(SourceWriter w, LayerPlan l)
        {
            int oh = l.Output.Height, ow = l.Output.Width, pw = l.PaddedWidth;
            w.Line($"/// <summary>Layer {l.Index}: one weight-gradient tap, Σ over the batch of dY(channel) · X(channel, shifted by the tap).</summary>");
            w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
            using (w.Open($"private static float Layer{l.Index}WeightTap(int batch, ref float x, ref float dy)"))
            {
                w.Line("VectorF acc = VectorF.Zero;");
                w.Line("float sum = 0f;");
                using (w.Open("for (int n = 0; n < batch; n++)"))
                {
                    w.Line($"ref float xn = ref {Unsafe}.Add(ref x, n * {I(l.NeedsPaddedInput ? l.PaddedLength : l.InputLength)});");
                    w.Line($"ref float gn = ref {Unsafe}.Add(ref dy, n * {I(l.OutputLength)});");
                    using (w.Open($"for (int oh = 0; oh < {I(oh)}; oh++)"))
                    {
                        w.Line($"ref float xr = ref {Unsafe}.Add(ref xn, oh * {I((long)l.Spec.StrideH * pw)});");
                        w.Line($"ref float gr = ref {Unsafe}.Add(ref gn, oh * {I(ow)});");
                        w.Line("int ow = 0;");
                        if (l.Spec.StrideW == 1)
                            using (w.Open("if (Vector.IsHardwareAccelerated)"))
                            using (w.Open($"for (; ow <= {I(ow)} - VectorF.Count; ow += VectorF.Count)"))
                                w.Line("acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref gr, (nuint)ow), Vector.LoadUnsafe(ref xr, (nuint)ow), acc);");
                        using (w.Open($"for (; ow < {I(ow)}; ow++)"))
                            w.Line($"sum = MathF.FusedMultiplyAdd({Unsafe}.Add(ref gr, ow), {Unsafe}.Add(ref xr, ow * {I(l.Spec.StrideW)}), sum);");
                    }
                }
                w.Line("return Vector.Sum(acc) + sum;");
            }
        }

        /// <summary>dX: every output gradient scattered back through its window (seed 000), into the padded buffer, then unpadded.</summary>
        private static void EmitBackwardData(SourceWriter w, LayerPlan l)
        {
            int oh = l.Output.Height, ow = l.Output.Width, pw = l.PaddedWidth;
            var perSample = new List<(string, long)> { ("dy", l.OutputLength), ("dx", l.InputLength) };
            using (OpenSampleLoop(w, perSample.ToArray()))
            {
                string target = l.NeedsPaddedInput ? "dxp" : "dxs";
                w.Line($"MemoryMarshal.CreateSpan(ref {target}, {I(l.PaddedLength)}).Clear();");
                using (w.Open($"for (int oc = 0; oc < {I(l.Output.Channels)}; oc++)"))
                {
                    w.Line($"ref float wo = ref {Unsafe}.Add(ref w, oc * {I(WindowSize(l))});");
                    using (w.Open($"for (int oh = 0; oh < {I(oh)}; oh++)"))
                    {
                        w.Line($"ref float dr = ref {Unsafe}.Add(ref {target}, oh * {I((long)l.Spec.StrideH * pw)});");
                        w.Line($"ref float gr = ref {Unsafe}.Add(ref dys, oc * {I((long)oh * ow)} + oh * {I(ow)});");
                        w.Line("int ow = 0;");
                        if (l.Spec.StrideW == 1)
                            using (w.Open("if (Vector.IsHardwareAccelerated)"))
                            using (w.Open($"for (; ow <= {I(ow)} - VectorF.Count; ow += VectorF.Count)"))
                            {
                                w.Line("VectorF g = Vector.LoadUnsafe(ref gr, (nuint)ow);");
                                w.Line($"ref float xo = ref {Unsafe}.Add(ref dr, ow);");
                                EmitChannelLoop(w, l, "xo", PlaneLength(l), () => EmitTaps(w, l, pw, (offset, tap) =>
                                    w.Line($"Vector.StoreUnsafe(Vector.FusedMultiplyAdd(new VectorF({Unsafe}.Add(ref wo, wi + {tap})), g, Vector.LoadUnsafe(ref xi, (nuint)({offset}))), ref xi, (nuint)({offset}));")));
                            }
                        using (w.Open($"for (; ow < {I(ow)}; ow++)"))
                        {
                            w.Line($"float g = {Unsafe}.Add(ref gr, ow);");
                            w.Line($"ref float xo = ref {Unsafe}.Add(ref dr, ow * {I(l.Spec.StrideW)});");
                            EmitChannelLoop(w, l, "xo", PlaneLength(l), () => EmitTaps(w, l, pw, (offset, tap) =>
                                w.Line($"{Unsafe}.Add(ref xi, {offset}) = MathF.FusedMultiplyAdd({Unsafe}.Add(ref wo, wi + {tap}), g, {Unsafe}.Add(ref xi, {offset}));")));
                        }
                    }
                }
                if (l.NeedsPaddedInput)
                    EmitRowCopy(w, l, "dxs", "dxp", toPadded: false);
            }
        }

        /// <summary>Copies every input row between the unpadded and the padded layout (constant offsets per row).</summary>
        private static void EmitRowCopy(SourceWriter w, LayerPlan l, string plain, string padded, bool toPadded)
        {
            int h = l.Input.Height, width = l.Input.Width, ph = l.PaddedHeight, pw = l.PaddedWidth;
            using (w.Open($"for (int c = 0; c < {I(l.Input.Channels)}; c++)"))
            using (w.Open($"for (int r = 0; r < {I(h)}; r++)"))
            {
                string plainRow = $"ref {Unsafe}.Add(ref {plain}, (c * {I(h)} + r) * {I(width)})";
                string paddedRow = $"ref {Unsafe}.Add(ref {padded}, (c * {I(ph)} + r + {I(l.Spec.PadTop)}) * {I(pw)} + {I(l.Spec.PadLeft)})";
                string from = toPadded ? plainRow : paddedRow, to = toPadded ? paddedRow : plainRow;
                w.Line($"MemoryMarshal.CreateReadOnlySpan({from}, {I(width)}).CopyTo(MemoryMarshal.CreateSpan({to}, {I(width)}));");
            }
        }
    }
}
