using System;
using System.Collections.Generic;
using GenConv.Generator.Helpers;
using GenConv.Generator.Planning;

namespace GenConv.Generator.Emit
{
    /// <summary>
    /// Convolution kernels with every size a literal. The input is copied once into a zero-padded buffer of the
    /// layer's own, so no tap ever tests a bound. Forward computes a tile of output channels × up to two vectors of
    /// output pixels per step (they share every input load and weight broadcast); with stride 1 the row is
    /// vectorized (Vector&lt;float&gt;), the last vector overlapping its neighbour rather than falling to scalars.
    /// Every output element sees the same fused operations in the same order on every path, so vector and scalar
    /// lanes agree bit for bit. Backward data at stride 1 is the same forward kernel run on dY with the flipped kernel.
    /// </summary>
    internal sealed class ConvEmitter : LayerEmitter
    {
        public static readonly ConvEmitter Instance = new ConvEmitter();

        /// <summary>Widest run of weight taps one backward-weights pass accumulates at once (8 vectors + loads fit in 16 registers).</summary>
        private const int WeightTapChunk = 8;

        /// <summary>The buffers one convolution pass reads and writes (parameter names of the kernel).</summary>
        private sealed record ConvolutionBuffers(string Input, string Weight, string? Bias, string Output, string? Padded);

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
                case Stage.PrepareBackwardData:
                    if (ModelPlanner.BackwardDataAsConvolution(l) is null) return null;
                    list.Add(Buffer.Weight);
                    list.Add(Buffer.TransposedWeight);
                    break;
                default:
                    list.Add(Buffer.OutputGradient);
                    LayerPlan? transposed = ModelPlanner.BackwardDataAsConvolution(l);
                    if (transposed is not null)
                    {
                        list.Add(Buffer.TransposedWeight);
                        list.Add(Buffer.InputGradient);
                        if (transposed.NeedsPaddedInput) list.Add(Buffer.PaddedOutputGradient);
                    }
                    else
                    {
                        list.Add(Buffer.Weight);
                        list.Add(Buffer.InputGradient);
                        list.Add(Buffer.PaddedInputGradient); // the scatter path always strides or pads
                    }
                    break;
            }
            return list.ToArray();
        }

        public override void EmitBody(SourceWriter w, LayerPlan l, Stage stage)
        {
            switch (stage)
            {
                case Stage.Forward:
                    EmitConvolution(w, l, new ConvolutionBuffers("x", "w", l.BiasCount > 0 ? "b" : null, "y", l.NeedsPaddedInput ? "xp" : null));
                    break;
                case Stage.BackwardWeights:
                    EmitBackwardWeights(w, l);
                    break;
                case Stage.PrepareBackwardData:
                    EmitTransposeWeights(w, l);
                    break;
                default:
                    LayerPlan? transposed = ModelPlanner.BackwardDataAsConvolution(l);
                    if (transposed is null)
                        EmitBackwardDataScatter(w, l);
                    else
                        EmitConvolution(w, transposed, new ConvolutionBuffers("dy", "wt", null, "dx", transposed.NeedsPaddedInput ? "dyp" : null));
                    break;
            }
        }

        private static int WindowSize(LayerPlan l) => l.Input.Channels * l.Spec.KernelH * l.Spec.KernelW;
        /// <summary>Floats per channel plane of the conv's own (padded, phase-split) input layout.</summary>
        private static int PlaneLength(LayerPlan l) => l.PaddedHeight * l.PaddedRowStride;

        /// <summary>Taps over the conv's own input layout: padded rows, phase-split columns.</summary>
        private static void EmitInputTaps(SourceWriter w, LayerPlan l, Action<string, string> tap) =>
            EmitTaps(w, l, l.PaddedRowStride, tap, l.ColumnOffset,
                l.Spec.StrideW > 1 ? c => $"{c} % {I(l.Spec.StrideW)} * {I(l.PhaseWidth)} + {c} / {I(l.Spec.StrideW)}" : null);

        private static void EmitConvolution(SourceWriter w, LayerPlan l, ConvolutionBuffers b)
        {
            var perSample = new List<(string, long)> { (b.Input, l.InputLength), (b.Output, l.OutputLength) };
            if (b.Padded is not null) perSample.Add((b.Padded, l.PaddedLength));
            using (OpenSampleLoop(w, perSample.ToArray()))
            {
                string source = b.Input + "s";
                if (b.Padded is not null)
                {
                    w.Line("// The padded buffer's border stays zero from allocation on; only its interior is written.");
                    EmitRowCopy(w, l, b.Input + "s", b.Padded + "s", toPadded: true);
                    source = b.Padded + "s";
                }
                int oc = l.Output.Channels, tile = l.ChannelTile, main = oc - oc % tile;
                if (main > 0)
                    using (w.Open($"for (int oc = 0; oc < {I(main)}; oc += {I(tile)})"))
                        EmitConvolutionTile(w, l, b, source, tile);
                if (main < oc)
                    using (w.Open(""))
                    {
                        w.Line($"const int oc = {I(main)};");
                        EmitConvolutionTile(w, l, b, source, oc - main);
                    }
            }
        }

        /// <summary>One pass over the output rows for <paramref name="count"/> output channels starting at <c>oc</c>.</summary>
        private static void EmitConvolutionTile(SourceWriter w, LayerPlan l, ConvolutionBuffers b, string source, int count)
        {
            int oh = l.Output.Height, ow = l.Output.Width;
            for (int j = 0; j < count; j++)
            {
                w.Line($"ref float w{j} = ref {Unsafe}.Add(ref {b.Weight}, (oc + {j}) * {I(WindowSize(l))});");
                w.Line(b.Bias is not null ? $"float b{j} = {Unsafe}.Add(ref {b.Bias}, oc + {j});" : $"const float b{j} = 0f;");
            }
            using (w.Open($"for (int oh = 0; oh < {I(oh)}; oh++)"))
            {
                w.Line($"ref float xr = ref {Unsafe}.Add(ref {source}, oh * {I((long)l.Spec.StrideH * l.PaddedRowStride)});");
                for (int j = 0; j < count; j++)
                    w.Line($"ref float yr{j} = ref {Unsafe}.Add(ref {b.Output}s, (oc + {j}) * {I((long)oh * ow)} + oh * {I(ow)});");
                w.Line("int ow = 0;");
                // In the conv's own layout consecutive output pixels read consecutive floats, at every stride. Each
                // output is the bias plus its taps fused in one order on every path, so the widths agree bit for bit.
                bool wide = ow >= VectorFlavor.Wide.Lanes;
                foreach (VectorFlavor flavor in wide ? new[] { VectorFlavor.Wide, VectorFlavor.Native } : new[] { VectorFlavor.Native })
                    using (w.Open($"{(flavor == VectorFlavor.Native && wide ? "else if" : "if")} ({flavor.Accelerated} && {I(ow)} >= {flavor.Count})"))
                    {
                        using (w.Open($"for (; ow <= {I(ow)} - 2 * {flavor.Count}; ow += 2 * {flavor.Count})"))
                            EmitVectorStep(w, l, count, pixelVectors: 2, flavor);
                        using (w.Open($"for (; ow < {I(ow)}; ow += {flavor.Count})"))
                        {
                            w.Line($"if (ow > {I(ow)} - {flavor.Count}) ow = {I(ow)} - {flavor.Count}; // the last vector overlaps; it recomputes equal values");
                            EmitVectorStep(w, l, count, pixelVectors: 1, flavor);
                        }
                    }
                using (w.Open($"for (; ow < {I(ow)}; ow++)"))
                {
                    for (int j = 0; j < count; j++) w.Line($"float s{j} = b{j};");
                    w.Line("float v;");
                    w.Line($"ref float xo = ref {Unsafe}.Add(ref xr, ow);");
                    EmitChannelLoop(w, l, "xo", PlaneLength(l), () => EmitInputTaps(w, l, (offset, tap) =>
                    {
                        w.Line($"v = {Unsafe}.Add(ref xi, {offset});");
                        for (int j = 0; j < count; j++)
                            w.Line($"s{j} = MathF.FusedMultiplyAdd({Unsafe}.Add(ref w{j}, wi + {tap}), v, s{j});");
                    }));
                    for (int j = 0; j < count; j++) w.Line($"{Unsafe}.Add(ref yr{j}, ow) = s{j};");
                }
            }
        }

        /// <summary>count × pixelVectors accumulators at pixel <c>ow</c>: per tap, one load per pixel vector and one broadcast per channel.</summary>
        private static void EmitVectorStep(SourceWriter w, LayerPlan l, int count, int pixelVectors, VectorFlavor f)
        {
            string Acc(int j, int p) => $"a{j}_{p}";
            string At(int p) => p == 0 ? "ow" : $"ow + {p} * {f.Count}";
            for (int j = 0; j < count; j++)
                for (int p = 0; p < pixelVectors; p++)
                    w.Line($"{f.Type} {Acc(j, p)} = {f.Broadcast($"b{j}")};");
            for (int p = 0; p < pixelVectors; p++) w.Line($"{f.Type} v{p};");
            w.Line($"{f.Type} k;");
            w.Line($"ref float xo = ref {Unsafe}.Add(ref xr, ow);");
            EmitChannelLoop(w, l, "xo", PlaneLength(l), () => EmitInputTaps(w, l, (offset, tap) =>
            {
                for (int p = 0; p < pixelVectors; p++)
                    w.Line(p == 0 ? $"v0 = {f.Api}.LoadUnsafe(ref xi, (nuint)({offset}));" : $"v{p} = {f.Api}.LoadUnsafe(ref xi, (nuint)({offset} + {p} * {f.Count}));");
                for (int j = 0; j < count; j++)
                {
                    w.Line($"k = {f.Broadcast($"{Unsafe}.Add(ref w{j}, wi + {tap})")};");
                    for (int p = 0; p < pixelVectors; p++)
                        w.Line($"{Acc(j, p)} = {f.Api}.FusedMultiplyAdd(k, v{p}, {Acc(j, p)});");
                }
            }));
            for (int j = 0; j < count; j++)
                for (int p = 0; p < pixelVectors; p++)
                    w.Line($"{f.Api}.StoreUnsafe({Acc(j, p)}, ref yr{j}, (nuint)({At(p)}));");
        }

        /// <summary>wt[ic, oc] = w[oc, ic] with the KH×KW window reversed: the kernel of backward data as a convolution.</summary>
        private static void EmitTransposeWeights(SourceWriter w, LayerPlan l)
        {
            int oc = l.Output.Channels, ic = l.Input.Channels, window = l.Spec.KernelH * l.Spec.KernelW;
            w.Line("// Flip the kernel and swap its channels, so dX is a plain convolution of the padded dY.");
            using (w.Open($"for (int oc = 0; oc < {I(oc)}; oc++)"))
            using (w.Open($"for (int ic = 0; ic < {I(ic)}; ic++)"))
            using (w.Open($"for (int t = 0; t < {I(window)}; t++)"))
                w.Line($"{Unsafe}.Add(ref wt, (ic * {I(oc)} + oc) * {I(window)} + {I(window - 1)} - t) = {Unsafe}.Add(ref w, (oc * {I(ic)} + ic) * {I(window)} + t);");
        }

        /// <summary>
        /// dW[oc, ic, kh, kw] = Σ over batch and output pixels of dY · X shifted by the tap, a run of up to 8 taps of one
        /// kernel row at a time (<c>…WeightTaps…</c>, sharing each dY load). dB[oc] = Σ dY.
        /// </summary>
        private static void EmitBackwardWeights(SourceWriter w, LayerPlan l)
        {
            string source = l.NeedsPaddedInput ? "xp" : "x";
            int pixels = l.Output.Height * l.Output.Width;
            using (w.Open("for (int oc = start; oc < end; oc++)"))
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
                EmitChannelLoop(w, l, source, PlaneLength(l), () =>
                {
                    using (w.Open($"for (int kh = 0; kh < {I(l.Spec.KernelH)}; kh++)"))
                        foreach (var (first, count) in TapChunks(l))
                            w.Line($"{WeightTapsName(l, first, count)}(batch, ref {Unsafe}.Add(ref xi, kh * {I(l.PaddedRowStride)}), ref gy, ref {Unsafe}.Add(ref dwo, wi + kh * {I(l.Spec.KernelW)} + {I(first)}));");
                });
            }
        }

        /// <summary>A kernel row's taps in runs of at most <see cref="WeightTapChunk"/>.</summary>
        private static IEnumerable<(int First, int Count)> TapChunks(LayerPlan l)
        {
            for (int first = 0; first < l.Spec.KernelW; first += WeightTapChunk)
                yield return (first, Math.Min(WeightTapChunk, l.Spec.KernelW - first));
        }

        private static string WeightTapsName(LayerPlan l, int first, int count) => $"Layer{l.Index}WeightTaps{first}To{first + count - 1}";

        /// <summary>The reductions behind backward weights, one helper per run of taps.</summary>
        public static void EmitWeightTapHelpers(SourceWriter w, LayerPlan l)
        {
            foreach (var (first, count) in TapChunks(l))
                EmitWeightTapHelper(w, l, first, count);
        }

        /// <summary>Σ over the batch and output pixels of dY · X for taps first..first+count−1 of a kernel row (x points at the row).</summary>
        private static void EmitWeightTapHelper(SourceWriter w, LayerPlan l, int first, int count)
        {
            int oh = l.Output.Height, ow = l.Output.Width;
            w.Line($"/// <summary>Layer {l.Index}: weight-gradient taps {first}..{first + count - 1} of one kernel row, Σ over the batch of dY(channel) · X(channel, shifted by each tap).</summary>");
            w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
            using (w.Open($"private static void {WeightTapsName(l, first, count)}(int batch, ref float x, ref float dy, ref float dw)"))
                LaneReduction.Emit(w, lanes =>
                {
                    // Runs of 8 output pixels go to 8-lane accumulators, the rest of each row to a scalar: the same
                    // split and order on every vector width.
                    for (int t = 0; t < count; t++)
                    {
                        lanes.DeclareZero($"acc{t}");
                        w.Line($"float sum{t} = 0f;");
                    }
                    using (w.Open("for (int n = 0; n < batch; n++)"))
                    {
                        w.Line($"ref float xn = ref {Unsafe}.Add(ref x, n * {I(l.NeedsPaddedInput ? l.PaddedLength : l.InputLength)});");
                        w.Line($"ref float gn = ref {Unsafe}.Add(ref dy, n * {I(l.OutputLength)});");
                        using (w.Open($"for (int oh = 0; oh < {I(oh)}; oh++)"))
                        {
                            w.Line($"ref float xr = ref {Unsafe}.Add(ref xn, oh * {I((long)l.Spec.StrideH * l.PaddedRowStride)});");
                            w.Line($"ref float gr = ref {Unsafe}.Add(ref gn, oh * {I(ow)});");
                            w.Line("int ow = 0;");
                            using (w.Open($"for (; ow <= {I(ow - LaneReduction.Lanes)}; ow += {LaneReduction.Lanes})"))
                            {
                                lanes.DeclareLoad("g", "gr", "ow");
                                for (int t = 0; t < count; t++)
                                    lanes.MultiplyAdd($"acc{t}", "g", "xr", $"ow + {I(l.ColumnOffset(first + t))}");
                            }
                            using (w.Open($"for (; ow < {I(ow)}; ow++)"))
                            {
                                w.Line($"float g = {Unsafe}.Add(ref gr, ow);");
                                for (int t = 0; t < count; t++)
                                    w.Line($"sum{t} = MathF.FusedMultiplyAdd(g, {Unsafe}.Add(ref xr, ow + {I(l.ColumnOffset(first + t))}), sum{t});");
                            }
                        }
                    }
                    for (int t = 0; t < count; t++)
                        w.Line($"{Unsafe}.Add(ref dw, {t}) = {lanes.Sum($"acc{t}")} + sum{t};");
                });
        }

        /// <summary>
        /// dX where it is not a plain convolution (strides above 1, or padding of at least the kernel): every output
        /// gradient is scattered back through its window (seed 000) into one sample's copy of the conv's own padded,
        /// phase-split layout, where consecutive output pixels hit consecutive floats for every tap, so the scatter is
        /// vectorized like the forward pass; the copy is then unpadded and unsplit into dX.
        /// </summary>
        private static void EmitBackwardDataScatter(SourceWriter w, LayerPlan l)
        {
            int oh = l.Output.Height, ow = l.Output.Width;
            using (OpenSampleLoop(w, ("dy", l.OutputLength), ("dx", l.InputLength), ("dxp", l.PaddedLength)))
            {
                w.Line($"MemoryMarshal.CreateSpan(ref dxps, {I(l.PaddedLength)}).Clear();");
                using (w.Open($"for (int oc = 0; oc < {I(l.Output.Channels)}; oc++)"))
                {
                    w.Line($"ref float wo = ref {Unsafe}.Add(ref w, oc * {I(WindowSize(l))});");
                    using (w.Open($"for (int oh = 0; oh < {I(oh)}; oh++)"))
                    {
                        w.Line($"ref float dr = ref {Unsafe}.Add(ref dxps, oh * {I((long)l.Spec.StrideH * l.PaddedRowStride)});");
                        w.Line($"ref float gr = ref {Unsafe}.Add(ref dys, oc * {I((long)oh * ow)} + oh * {I(ow)});");
                        // Tap by tap over the whole row: within one tap every output pixel hits its own dX element, so each
                        // element sums its contributions in (oc, oh, ic, kh, kw) order on every vector width.
                        EmitChannelLoop(w, l, "dr", PlaneLength(l), () =>
                        {
                            string column = l.Spec.StrideW > 1 ? $"kw % {I(l.Spec.StrideW)} * {I(l.PhaseWidth)} + kw / {I(l.Spec.StrideW)}" : "kw";
                            using (w.Open($"for (int kh = 0; kh < {I(l.Spec.KernelH)}; kh++)"))
                            using (w.Open($"for (int kw = 0; kw < {I(l.Spec.KernelW)}; kw++)"))
                            {
                                w.Line($"ref float xt = ref {Unsafe}.Add(ref xi, kh * {I(l.PaddedRowStride)} + {column});");
                                w.Line($"float k = {Unsafe}.Add(ref wo, wi + kh * {I(l.Spec.KernelW)} + kw);");
                                w.Line("int ow = 0;");
                                using (w.Open($"if (Vector.IsHardwareAccelerated && {I(ow)} >= VectorF.Count)"))
                                {
                                    w.Line("VectorF kv = new VectorF(k);");
                                    using (w.Open($"for (; ow <= {I(ow)} - VectorF.Count; ow += VectorF.Count)"))
                                        w.Line("Vector.StoreUnsafe(Vector.FusedMultiplyAdd(kv, Vector.LoadUnsafe(ref gr, (nuint)ow), Vector.LoadUnsafe(ref xt, (nuint)ow)), ref xt, (nuint)ow);");
                                }
                                using (w.Open($"for (; ow < {I(ow)}; ow++)"))
                                    w.Line($"{Unsafe}.Add(ref xt, ow) = MathF.FusedMultiplyAdd(k, {Unsafe}.Add(ref gr, ow), {Unsafe}.Add(ref xt, ow));");
                            }
                        });
                    }
                }
                EmitRowCopy(w, l, "dxs", "dxps", toPadded: false);
            }
        }

        /// <summary>Copies every input row between the plain layout and the conv's own padded, phase-split layout.</summary>
        private static void EmitRowCopy(SourceWriter w, LayerPlan l, string plain, string padded, bool toPadded)
        {
            int h = l.Input.Height, width = l.Input.Width, ph = l.PaddedHeight;
            int rowStride = l.PaddedRowStride;
            using (w.Open($"for (int c = 0; c < {I(l.Input.Channels)}; c++)"))
            using (w.Open($"for (int r = 0; r < {I(h)}; r++)"))
            {
                string plainRow = $"ref {Unsafe}.Add(ref {plain}, (c * {I(h)} + r) * {I(width)})";
                string paddedRow = $"ref {Unsafe}.Add(ref {padded}, (c * {I(ph)} + r + {I(l.Spec.PadTop)}) * {I(rowStride)})";
                if (l.Spec.StrideW > 1)
                {
                    // Column col of the input is padded column col + PadLeft, stored in phase (col + PadLeft) % StrideW.
                    w.Line($"ref float from = {(toPadded ? plainRow : paddedRow)};");
                    w.Line($"ref float to = {(toPadded ? paddedRow : plainRow)};");
                    using (w.Open($"for (int col = 0; col < {I(width)}; col++)"))
                    {
                        string split = $"(col + {I(l.Spec.PadLeft)}) % {I(l.Spec.StrideW)} * {I(l.PhaseWidth)} + (col + {I(l.Spec.PadLeft)}) / {I(l.Spec.StrideW)}";
                        w.Line(toPadded ? $"{Unsafe}.Add(ref to, {split}) = {Unsafe}.Add(ref from, col);" : $"{Unsafe}.Add(ref to, col) = {Unsafe}.Add(ref from, {split});");
                    }
                    return;
                }
                string paddedAt = $"ref {Unsafe}.Add(ref {padded}, (c * {I(ph)} + r + {I(l.Spec.PadTop)}) * {I(rowStride)} + {I(l.Spec.PadLeft)})";
                string from = toPadded ? plainRow : paddedAt, to = toPadded ? paddedAt : plainRow;
                w.Line($"MemoryMarshal.CreateReadOnlySpan({from}, {I(width)}).CopyTo(MemoryMarshal.CreateSpan({to}, {I(width)}));");
            }
        }
    }

    /// <summary>
    /// A SIMD width element-wise kernels are emitted for: Vector&lt;float&gt; (the platform's preferred width, 256-bit
    /// on AVX2 and AVX-512 machines, 128-bit on SSE and Arm), and 512-bit where the hardware has it and a row is wide
    /// enough. Only the accelerated branch survives the JIT; element-wise results do not depend on which one ran.
    /// </summary>
    internal sealed class VectorFlavor
    {
        private const string Intrinsics = "global::System.Runtime.Intrinsics.";

        public static readonly VectorFlavor Native = new("VectorF", "Vector", "VectorF.Count", "Vector.IsHardwareAccelerated", "new VectorF({0})", 1);
        public static readonly VectorFlavor Wide = new(Intrinsics + "Vector512<float>", Intrinsics + "Vector512", "16",
            Intrinsics + "Vector512.IsHardwareAccelerated", Intrinsics + "Vector512.Create({0})", 16);

        private readonly string broadcast;

        private VectorFlavor(string type, string api, string count, string accelerated, string broadcast, int lanes)
        {
            Type = type;
            Api = api;
            Count = count;
            Accelerated = accelerated;
            this.broadcast = broadcast;
            Lanes = lanes;
        }

        public string Type { get; }
        public string Api { get; }
        /// <summary>The lane count as code (a constant for fixed widths).</summary>
        public string Count { get; }
        public string Accelerated { get; }
        /// <summary>Lanes known at generation time (1 when it depends on the machine).</summary>
        public int Lanes { get; }
        public string Broadcast(string scalar) => string.Format(System.Globalization.CultureInfo.InvariantCulture, broadcast, scalar);
    }
}
