using System;
using System.Collections.Generic;
using System.Linq;
using GenConv.Generator.Helpers;
using GenConv.Generator.Planning;
using GenConv.Model;

namespace GenConv.Generator.Emit
{
    /// <summary>
    /// Convolution kernels with every size a literal. The input is copied once into a zero-padded, phase-split buffer
    /// of the layer's own, so no tap ever tests a bound and consecutive output pixels read consecutive floats. Forward
    /// computes a tile of output channels × two vectors of output pixels per step (they share every input load and
    /// weight broadcast), the last vector of a row overlapping its neighbour rather than falling to scalars. Backward
    /// data at stride 1 is the same forward kernel run on dY with the flipped kernel; strided layers gather a tile of
    /// dX per tap. Backward weights runs vectors over output channels of a pixel-major dY. Every output element sees
    /// the same fused operations in the same order on every path, so vector and scalar lanes agree bit for bit.
    /// </summary>
    internal sealed partial class ConvEmitter : LayerEmitter
    {
        public static readonly ConvEmitter Instance = new ConvEmitter();

        /// <summary>The buffers one convolution pass reads and writes (parameter names of the kernel), and the stage its helper methods are named after.</summary>
        private sealed record ConvolutionBuffers(string Input, string Weight, string? Bias, string Output, string? Padded, Stage Stage)
        {
            /// <summary>Forward for inference alone (<see cref="Stage.Infer"/>): nothing reads the padded copy afterwards, so the taps may read the input in place.</summary>
            public bool Inference { get; init; }
            /// <summary>Backward data only: the ReLU before the layer has its backward applied to each sample's dX here (<see cref="LayerEmitter.EmitRectified"/>).</summary>
            public bool Rectify { get; init; }
        }

        public override Buffer[]? Buffers(LayerPlan l, Stage stage)
        {
            var list = new List<Buffer>();
            switch (stage)
            {
                case Stage.Infer when !l.ReadsRowsInPlace:
                    return null;
                case Stage.Forward or Stage.Infer:
                    list.Add(Buffer.Input);
                    list.Add(Buffer.Weight);
                    if (l.BiasCount > 0) list.Add(Buffer.Bias);
                    list.Add(Buffer.Output);
                    if (l.NeedsPaddedInput) list.Add(Buffer.PaddedInput);
                    if (l.Spec.Winograd) list.AddRange(new[] { Buffer.WinogradKernel, Buffer.WinogradScratch });
                    break;
                case Stage.PrepareForward:
                    if (!l.Spec.Winograd) return null;
                    list.AddRange(new[] { Buffer.Weight, Buffer.WinogradKernel, Buffer.WinogradKernelSource });
                    break;
                case Stage.BackwardWeights:
                    list.Add(l.NeedsPaddedInput ? Buffer.PaddedInput : Buffer.Input);
                    list.Add(Buffer.OutputGradient);
                    if (!l.WeightGradientOverPixels) list.Add(Buffer.TransposedOutputGradient); // its slots for a sample's pixel-major dY
                    list.Add(Buffer.WeightGradientScratch);
                    if (WinogradWeights(l)) list.Add(Buffer.WinogradGradientScratch);
                    break;
                case Stage.FinishBackwardWeights:
                    list.Add(Buffer.WeightGradientScratch);
                    list.Add(Buffer.WeightGradient);
                    if (l.BiasCount > 0) list.Add(Buffer.BiasGradient);
                    break;
                case Stage.PrepareBackwardData:
                    if (ModelPlanner.BackwardDataAsConvolution(l) is not { } flipped) return null;
                    list.Add(Buffer.Weight);
                    list.Add(Buffer.TransposedWeight);
                    if (flipped.Spec.Winograd) list.Add(Buffer.WinogradBackwardKernel);
                    break;
                default:
                    list.Add(Buffer.OutputGradient);
                    if (l.RectifiesInputGradient) list.Add(Buffer.Input); // the ReLU's output, for its fused backward
                    LayerPlan? transposed = ModelPlanner.BackwardDataAsConvolution(l);
                    if (transposed is not null)
                    {
                        list.Add(Buffer.TransposedWeight);
                        list.Add(Buffer.InputGradient);
                        if (transposed.NeedsPaddedInput) list.Add(Buffer.PaddedOutputGradient);
                        if (transposed.Spec.Winograd) list.AddRange(new[] { Buffer.WinogradBackwardKernel, Buffer.WinogradScratch });
                    }
                    else
                    {
                        list.Add(Buffer.Weight);
                        list.Add(Buffer.InputGradient);
                        if (NeedsPaddedInputGradient(l)) list.Add(Buffer.PaddedInputGradient);
                        if (PhaseGather.For(l) is not null) list.Add(Buffer.PaddedOutputGradient);
                    }
                    break;
            }
            return list.ToArray();
        }

        /// <summary>
        /// Whether backward data works in a padded, phase-split copy of dX (a scratch buffer of the layer's own): the
        /// scatter, and a phase gather that cannot store into dX itself; not a backward data done as a convolution.
        /// </summary>
        public static bool NeedsPaddedInputGradient(LayerPlan l) =>
            l.Spec.Kind == LayerKind.Conv2D && ModelPlanner.BackwardDataAsConvolution(l) is null && PhaseGather.For(l) is not { StoresPlain: true };

        /// <summary>Backward weights splits the batch into fixed parts, each summed into partial sums of its own.</summary>
        public override int WeightGradientUnits(LayerPlan l) => LayerPlan.SampleParts;

        public override bool WeightGradientOverSampleParts(LayerPlan l) => true;

        /// <summary>Kernel passes over one sample: (input channel, group of kernel rows); over pixels, (input channel, group of <see cref="LayerPlan.PixelWeightRows"/> kernel rows, channel tile).</summary>
        private static int WeightPasses(LayerPlan l) => l.WeightGradientOverPixels
            ? l.Input.Channels * (l.Spec.KernelH / l.PixelWeightRows) * PixelWeightTiles(l)
            : l.Input.Channels * (l.WeightRowGroupStarts.Length - 1);

        /// <summary>Floats of one part's partial sums: the weights' (in the kernel's own layout), then the bias's.</summary>
        public static long WeightScratchPerPart(LayerPlan l) => BiasScratchOffset(l) + (l.WeightGradientOverPixels ? (long)l.Output.Channels * LayerPlan.PixelLanes : l.GradientChannelStride);

        /// <summary>Offset of the bias's partial sums within a part's.</summary>
        private static long BiasScratchOffset(LayerPlan l) => l.WeightGradientOverPixels ? (long)l.WeightCount * LayerPlan.PixelLanes
            : WinogradWeights(l) ? (long)Products * l.Input.Channels * l.GradientChannelStride // dU[ξ][ic][oc]
            : (long)l.WeightCount / l.Output.Channels * l.GradientChannelStride;

        /// <summary>
        /// The loop over parts [start, end) of the batch: <c>n0</c>, <c>n1</c> bound a part's samples and <c>pa</c> is its
        /// partial sums (all zero for a part with no samples, when batch &lt; parts). Per sample (<c>first</c> on the part's
        /// first; <c>xn</c> its input), <paramref name="sample"/> sets <c>gn</c> to its dY as the passes read it, then
        /// <paramref name="pass"/> runs for each weight pass <c>u</c>; then <paramref name="bias"/>, if any, once per part.
        /// </summary>
        private static void EmitSamplePartPasses(SourceWriter w, LayerPlan l, Action sample, Action pass, Action? bias)
        {
            using (OpenWeightParts(w, l))
            {
                using (w.Open("for (int n = n0; n < n1; n++)"))
                {
                    w.Line("bool first = n == n0;");
                    w.Line($"ref float xn = ref {Unsafe}.Add(ref {(l.NeedsPaddedInput ? "xp" : "x")}, n * {I(l.PaddedLength)});");
                    sample();
                    using (w.Open($"for (int u = 0; u < {I(WeightPasses(l))}; u++)"))
                        pass();
                }
                bias?.Invoke();
            }
        }

        /// <summary>Floats of one sample's pixel-major dY, [pixel][output channel] (the buffer holds one per part of the batch).</summary>
        public static long PixelMajorGradientLength(LayerPlan l) => (long)l.Output.Height * l.Output.Width * l.GradientChannelStride;

        /// <summary>
        /// Sample <c>n</c>'s dY made pixel-major into its part's slot <c>gn</c>, so that backward weights can load a vector of
        /// output channels, and the bias's part carried on over it (one chain per channel in (sample, pixel) order, as a
        /// sum over the whole part): made right before the passes read it, the slot stays in L1/L2 (L5: 32 KB), where a
        /// pass over the whole batch beforehand wrote every sample's out to L3 (1 MB) for the passes to read back.
        /// </summary>
        private static void EmitPixelMajorSample(SourceWriter w, LayerPlan l)
        {
            w.Line($"ref float gn = ref {Unsafe}.Add(ref dyt, part * {I(PixelMajorGradientLength(l))});");
            w.Line($"ref float dyn = ref {Unsafe}.Add(ref dy, n * {I(l.OutputLength)});");
            EmitTranspose(w, "dyn", "gn", l.Output.Channels, l.Output.Height * l.Output.Width, l.GradientChannelStride);
            if (l.BiasCount == 0) return;
            w.Line($"ref float pb = ref {Unsafe}.Add(ref pa, {I(BiasScratchOffset(l))});");
            EmitByChannelWidth(w, l, f => EmitBiasGradient(w, l, f));
        }

        /// <summary>
        /// Opens the loop over parts [start, end) of the batch: <c>n0</c>, <c>n1</c> bound a part's samples and <c>pa</c> is
        /// its partial sums, cleared (and the part skipped) when it has no samples, as when batch &lt; parts.
        /// </summary>
        private static SourceWriter.Block OpenWeightParts(SourceWriter w, LayerPlan l)
        {
            long perPart = WeightScratchPerPart(l);
            SourceWriter.Block parts = w.Open("for (int part = start; part < end; part++)");
            w.Line($"int n0 = (int)((long)batch * part / {I(LayerPlan.SampleParts)}), n1 = (int)((long)batch * (part + 1) / {I(LayerPlan.SampleParts)});");
            w.Line($"ref float pa = ref {Unsafe}.Add(ref acc, part * {I(perPart)});");
            using (w.Open("if (n0 == n1)"))
            {
                w.Line($"MemoryMarshal.CreateSpan(ref pa, {I(perPart)}).Clear();");
                w.Line("continue;");
            }
            return parts;
        }

        public override void EmitBody(SourceWriter w, LayerPlan l, Stage stage)
        {
            switch (stage)
            {
                case Stage.Forward:
                    if (l.Spec.Winograd) EmitWinograd(w, l, ForwardBuffers(l));
                    else EmitConvolution(w, l, ForwardBuffers(l));
                    break;
                case Stage.Infer:
                    EmitConvolution(w, l, ForwardBuffers(l) with { Inference = true });
                    break;
                case Stage.BackwardWeights:
                    if (l.WeightGradientOverPixels) EmitPixelWeightGradient(w, l);
                    else if (WinogradWeights(l)) EmitWinogradBackwardWeights(w, l);
                    else EmitBackwardWeights(w, l);
                    break;
                case Stage.FinishBackwardWeights:
                    if (l.WeightGradientOverPixels) EmitPixelFinishWeights(w, l);
                    else if (WinogradWeights(l)) EmitWinogradFinishWeights(w, l);
                    else EmitFinishWeights(w, l);
                    break;
                case Stage.PrepareForward:
                    EmitWinogradKernelCache(w, l);
                    break;
                case Stage.PrepareBackwardData:
                    EmitTransposeWeights(w, l);
                    if (ModelPlanner.BackwardDataAsConvolution(l) is { Spec.Winograd: true } flipped)
                        EmitKernelTransform(w, flipped, ParameterName(Buffer.TransposedWeight), ParameterName(Buffer.WinogradBackwardKernel));
                    break;
                default:
                    LayerPlan? transposed = ModelPlanner.BackwardDataAsConvolution(l);
                    if (transposed is { Spec.Winograd: true })
                        EmitWinograd(w, transposed, BackwardDataBuffers(transposed) with { Rectify = l.RectifiesInputGradient });
                    else if (transposed is not null)
                        EmitConvolution(w, transposed, BackwardDataBuffers(transposed) with { Rectify = l.RectifiesInputGradient });
                    else if (PhaseGather.For(l) is { } gather)
                        EmitBackwardDataGather(w, gather);
                    else
                        EmitBackwardDataScatter(w, l);
                    break;
            }
        }

        private static int WindowSize(LayerPlan l) => l.Input.Channels * l.Spec.KernelH * l.Spec.KernelW;
        /// <summary>Floats per channel plane of the conv's own (padded, phase-split) input layout.</summary>
        private static int PlaneLength(LayerPlan l) => l.PaddedHeight * l.PaddedRowStride;

        /// <summary>Taps over the conv's own input layout: padded rows, phase-split columns.</summary>
        private static void EmitInputTaps(SourceWriter w, LayerPlan l, Action<string, string> tap) =>
            EmitTaps(w, l, l.PaddedRowStride, tap, l.ColumnOffset, c => PhaseColumn(l, c), nativeRow: true);

        /// <summary><see cref="LayerPlan.ColumnOffset"/> as code, for a kernel column held in a loop variable.</summary>
        private static string PhaseColumn(LayerPlan l, string column) =>
            l.Spec.StrideW > 1 ? $"{column} % {I(l.Spec.StrideW)} * {I(l.PhaseWidth)} + {column} / {I(l.Spec.StrideW)}" : column;

        private static void EmitConvolution(SourceWriter w, LayerPlan l, ConvolutionBuffers b)
        {
            (string, long)[] perSample = ConvolutionSamples(w, l, b);
            if (FlatLength(l) > 0)
            {
                w.Line($"global::System.Span<float> flatRows = stackalloc float[{I((long)l.ChannelTile * FlatLength(l))}];");
                w.Line("ref float flat = ref MemoryMarshal.GetReference(flatRows);");
            }
            bool byChannel = ChannelsVectorized(l);
            if (byChannel)
            {
                // The kernel as [input channel][tap][output channel] (vectors of 16 output channels per tap), once per call,
                // and a sample's outputs pixel-major before they are transposed into NCHW.
                w.Line($"global::System.Span<float> channelWeights = stackalloc float[{I(l.WeightCount)}];");
                w.Line("ref float cw = ref MemoryMarshal.GetReference(channelWeights);");
                w.Line($"global::System.Span<float> pixelMajor = stackalloc float[{I(16L * l.Output.Height * l.Output.Width)}];");
                w.Line("ref float pm = ref MemoryMarshal.GetReference(pixelMajor);");
                using (w.Open($"if ({VectorFlavor.Wide.Accelerated} || {VectorFlavor.V256.Accelerated})"))
                    EmitTranspose(w, b.Weight, "cw", l.Output.Channels, WindowSize(l), l.Output.Channels);
            }
            using (OpenSampleLoop(w, perSample))
            {
                // Inference on AVX-512 reads stride-2 rows in place where the plan allows; every other width, and a Forward
                // whose Backward will read the padded copy, reads that copy.
                SourceWriter.Block? copyPath = null;
                if (b.Inference)
                {
                    using (w.Open($"if ({InPlaceAccelerated})"))
                        EmitRowBandCalls(w, l, b, b.Input + "s", InPlaceBandStarts(l), VectorFlavor.Wide, inPlace: true);
                    copyPath = w.Open("else");
                }
                string source = EmitPaddedCopy(w, l, b);
                // Vectors over channels or row bands, per width, where they serve this shape better; the pixel tiles otherwise.
                var special = new List<(VectorFlavor Flavor, Action Emit)>();
                foreach (VectorFlavor f in new[] { VectorFlavor.Wide, VectorFlavor.V256 })
                {
                    VectorFlavor flavor = f;
                    if (byChannel) special.Add((flavor, () => EmitChannelVectors(w, l, b, source, flavor)));
                    else if (RowBandStarts(l, flavor) is { } bands) special.Add((flavor, () => EmitRowBandCalls(w, l, b, source, bands, flavor)));
                }
                for (int i = 0; i < special.Count; i++)
                    using (w.Open($"{(i == 0 ? "if" : "else if")} ({special[i].Flavor.Accelerated})"))
                        special[i].Emit();
                using (w.OpenIf(special.Count > 0, "else"))
                    EmitTiles(w, "oc", l.Output.Channels, l.ChannelTile, count => EmitConvolutionTile(w, l, b, source, count));
                copyPath?.Dispose();
                if (b.Rectify) EmitRectified(w, "xs", "dxs", l.OutputLength);
            }
        }

        /// <summary>
        /// The per-sample buffers of a convolution pass: its input and output, the layer's input where backward data
        /// rectifies, and the padded input, which forward keeps for backward weights; backward data's padded dY is
        /// scratch (the running thread's slot), bound here once per call.
        /// </summary>
        private static (string, long)[] ConvolutionSamples(SourceWriter w, LayerPlan l, ConvolutionBuffers b)
        {
            var perSample = new List<(string, long)> { (b.Input, l.InputLength), (b.Output, l.OutputLength) };
            if (b.Rectify) perSample.Add(("x", l.OutputLength));
            if (b.Padded is not null && b.Stage == Stage.Forward) perSample.Add((b.Padded, l.PaddedLength));
            if (b.Padded is not null && b.Stage != Stage.Forward) BindCallScratch(w, b.Padded);
            return perSample.ToArray();
        }

        /// <summary>In a sample loop: copies the sample into the padded buffer, if the pass has one; returns what the taps read.</summary>
        private static string EmitPaddedCopy(SourceWriter w, LayerPlan l, ConvolutionBuffers b)
        {
            if (b.Padded is null) return b.Input + "s";
            w.Line("// The padded buffer's border stays zero from allocation on; only its interior is written.");
            EmitRowCopy(w, l, b.Input + "s", b.Padded + "s", toPadded: true);
            return b.Padded + "s";
        }

        private static ConvolutionBuffers ForwardBuffers(LayerPlan l) =>
            new("x", "w", l.BiasCount > 0 ? "b" : null, "y", l.NeedsPaddedInput ? "xp" : null, Stage.Forward);

        private static ConvolutionBuffers BackwardDataBuffers(LayerPlan transposed) =>
            new("dy", "wt", null, "dx", transposed.NeedsPaddedInput ? "dyp" : null, Stage.BackwardData);

        /// <summary>
        /// Output rows of 8 to 16 pixels (one 512-bit vector each, or two overlapping 256-bit ones) whose windows partly lie
        /// on the padded input's zero rows: backward data of a valid convolution pads dY by K − 1 rows on each side, so on
        /// LeNet's 10×10 maps 30 % of the window rows read only zeros. Bands of rows have constant positions, so each tap is
        /// spelled out only for the rows whose input row is real: up to 4 rows at 512 bits, at 256 bits as many as keep the
        /// channel tile's accumulators within 16 registers' budget. A skipped product is w · (+0), and adding it leaves a
        /// sum that is never −0 unchanged: for finite weights, the same bits as the paths that add it. Returns the bands'
        /// first rows and the end, or null where under a fifth of the window rows are zero (or a band's helper would be
        /// too large).
        /// </summary>
        private static int[]? RowBandStarts(LayerPlan l, VectorFlavor f)
        {
            LayerSpec s = l.Spec;
            int oh = l.Output.Height, ow = l.Output.Width;
            // A row's lanes past its pixels read on into the next input row, so a zero row must follow the last one read.
            if (s.StrideH != 1 || s.StrideW != 1 || ow > VectorFlavor.Wide.Lanes || ow < 8 || s.PadBottom < 1 || ChannelsVectorized(l))
                return null;
            if (5 * RealRowTaps(l, 0, oh) > 4L * oh * s.KernelH) return null;
            int vectors = RowBandColumns(l, f).Length;
            int rowsPerBand = f == VectorFlavor.Wide ? 4 : Math.Max(1, LayerPlan.WeightAccumulatorBudget(f.Lanes) / (l.ChannelTile * vectors));
            int[] starts = BandStarts(oh, rowsPerBand);
            for (int band = 0; band + 1 < starts.Length; band++)
                if (RealRowTaps(l, starts[band], starts[band + 1]) * s.KernelW * l.ChannelTile * vectors > ModelPlanner.RowBandTapBudget) return null;
            return starts;
        }

        /// <summary>Bands of at most <paramref name="rowsPerBand"/> rows, of near-equal size: each band's first row, then the end.</summary>
        private static int[] BandStarts(int rows, int rowsPerBand)
        {
            int bands = (rows + rowsPerBand - 1) / rowsPerBand;
            var starts = new int[bands + 1];
            for (int band = 0; band <= bands; band++) starts[band] = band * rows / bands;
            return starts;
        }

        /// <summary>Row bands that read the input in place (<see cref="LayerPlan.ReadsRowsInPlace"/>; sizes: <see cref="ModelPlanner.InPlaceBandRows"/>).</summary>
        private static int[] InPlaceBandStarts(LayerPlan l) => BandStarts(l.Output.Height, ModelPlanner.InPlaceBandRows);

        /// <summary>The check that selects the in-place bands: two-source permutes are AVX-512F instructions.</summary>
        private const string InPlaceAccelerated = "Vector512.IsHardwareAccelerated && global::System.Runtime.Intrinsics.X86.Avx512F.IsSupported";

        /// <summary>The first column of each vector of a row band's row: one 512-bit vector, or 256-bit ones with the last overlapping its neighbour.</summary>
        private static int[] RowBandColumns(LayerPlan l, VectorFlavor f) =>
            f == VectorFlavor.Wide || l.Output.Width <= f.Lanes ? new[] { 0 } : new[] { 0, l.Output.Width - f.Lanes };

        /// <summary>(Output row, kernel row) pairs of rows [first, end) whose input row is not padding.</summary>
        private static long RealRowTaps(LayerPlan l, int first, int end)
        {
            long count = 0;
            for (int r = first; r < end; r++)
                for (int kh = 0; kh < l.Spec.KernelH; kh++)
                    if (IsRealRow(l, r * l.Spec.StrideH + kh)) count++;
            return count;
        }

        private static bool IsRealRow(LayerPlan l, int paddedRow) => paddedRow >= l.Spec.PadTop && paddedRow < l.Spec.PadTop + l.Input.Height;

        /// <summary>Each tile of output channels, one call per band of rows.</summary>
        private static void EmitRowBandCalls(SourceWriter w, LayerPlan l, ConvolutionBuffers b, string source, int[] bands, VectorFlavor f, bool inPlace = false) =>
            EmitTiles(w, "oc", l.Output.Channels, inPlace ? ModelPlanner.InPlaceChannelTile : l.ChannelTile, count =>
            {
                string bias = b.Bias is null ? "" : $"ref {Unsafe}.Add(ref {b.Bias}, oc), ";
                for (int band = 0; band + 1 < bands.Length; band++)
                    w.Line($"{RowBandName(l, b.Stage, bands[band], bands[band + 1], count, f, inPlace)}(ref {source}, ref {Unsafe}.Add(ref {b.Weight}, oc * {I(WindowSize(l))}), {bias}" +
                           $"ref {Unsafe}.Add(ref {b.Output}s, oc * {I((long)l.Output.Height * l.Output.Width)}));");
            });

        private static string RowBandName(LayerPlan l, Stage stage, int first, int end, int channels, VectorFlavor f, bool inPlace) =>
            $"Layer{l.Index}{stage}Rows{first}To{end - 1}Of{channels}Channels{(f == VectorFlavor.Wide ? "" : "In256Bits")}{(inPlace ? "InPlace" : "")}";

        /// <summary>The row-band helpers of a conv's forward and (as a convolution) backward data, where they apply.</summary>
        public static void EmitRowBandHelpers(SourceWriter w, LayerPlan l, bool inferenceOnly)
        {
            var kernels = new List<(LayerPlan Plan, ConvolutionBuffers Buffers)> { (l, ForwardBuffers(l)) };
            if (!inferenceOnly && ModelPlanner.BackwardDataAsConvolution(l) is { } transposed)
                kernels.Add((transposed, BackwardDataBuffers(transposed)));
            foreach (var (plan, buffers) in kernels)
                foreach (VectorFlavor f in new[] { VectorFlavor.Wide, VectorFlavor.V256 })
                {
                    if (RowBandStarts(plan, f) is not { } bands) continue;
                    foreach (int channels in TileSizes(plan.Output.Channels, plan.ChannelTile))
                        for (int band = 0; band + 1 < bands.Length; band++)
                            EmitRowBand(w, plan, buffers, bands[band], bands[band + 1], channels, f, inPlace: false);
                }
            if (l.ReadsRowsInPlace)
            {
                int[] bands = InPlaceBandStarts(l);
                foreach (int channels in TileSizes(l.Output.Channels, ModelPlanner.InPlaceChannelTile))
                    for (int band = 0; band + 1 < bands.Length; band++)
                        EmitRowBand(w, l, ForwardBuffers(l), bands[band], bands[band + 1], channels, VectorFlavor.Wide, inPlace: true);
            }
        }

        /// <summary>
        /// Output rows [first, end) of <paramref name="channels"/> channels: an accumulator per row, channel and vector of the
        /// row (<see cref="RowBandColumns"/>), every input channel's taps added in (kh, kw) order, each only to the rows whose
        /// input row is real. <paramref name="inPlace"/>: the taps read the input itself, not the padded copy
        /// (<see cref="LayerPlan.ReadsRowsInPlace"/>), each a permute of the input row's two vectors.
        /// </summary>
        private static void EmitRowBand(SourceWriter w, LayerPlan l, ConvolutionBuffers b, int first, int end, int channels, VectorFlavor f, bool inPlace)
        {
            int ow = l.Output.Width, oh = l.Output.Height, kw = l.Spec.KernelW;
            int[] columns = RowBandColumns(l, f);
            string Acc(int j, int r, int c) => columns.Length == 1 ? $"a{j}_{r}" : $"a{j}_{r}_{c}";
            string bias = b.Bias is null ? "" : "ref float b, ";
            w.Line($"/// <summary>Layer {l.Index} {b.Stage}: output rows {first}..{end - 1} of {channels} channels from oc (x: the sample's {(inPlace ? "input, read in place" : "padded input")}, w and y at channel oc).</summary>");
            w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
            using (w.Open($"private static void {RowBandName(l, b.Stage, first, end, channels, f, inPlace)}(ref float x, ref float w, {bias}ref float y)"))
            {
                if (inPlace) EmitRowPhaseConstants(w, l);
                for (int j = 0; j < channels; j++)
                {
                    w.Line($"ref float w{j} = ref {Unsafe}.Add(ref w, {I((long)j * WindowSize(l))});");
                    for (int r = first; r < end; r++)
                        for (int c = 0; c < columns.Length; c++)
                            w.Line($"{f.Type} {Acc(j, r, c)} = {f.Broadcast(b.Bias is null ? "0f" : $"{Unsafe}.Add(ref b, {I(j)})")};");
                }
                EmitChannelLoop(w, l, "x", inPlace ? l.Input.Height * l.Input.Width : PlaneLength(l), () =>
                {
                    for (int kh = 0; kh < l.Spec.KernelH; kh++)
                    {
                        int[] rows = Enumerable.Range(first, end - first).Where(r => IsRealRow(l, r * l.Spec.StrideH + kh)).ToArray();
                        if (rows.Length == 0) continue;
                        for (int tap = 0; tap < kw; tap++)
                            using (w.Open(""))
                            {
                                string Load(int r, int c) => inPlace
                                    ? RowPhase(l, (long)(r * l.Spec.StrideH + kh - l.Spec.PadTop) * l.Input.Width, tap)
                                    : $"{f.Api}.LoadUnsafe(ref xi, {I((long)(r + kh) * l.PaddedRowStride + tap + columns[c])})";
                                var pixels = (from r in rows from c in Enumerable.Range(0, columns.Length) select (r, c)).ToArray();
                                if (f == VectorFlavor.Wide)
                                {
                                    // 32 registers: every channel's weight broadcast once, each row's vector loaded once.
                                    for (int j = 0; j < channels; j++)
                                        w.Line($"{f.Type} k{j} = {f.Broadcast($"{Unsafe}.Add(ref w{j}, wi + {I(kh * kw + tap)})")};");
                                    foreach (var (r, c) in pixels)
                                    {
                                        w.Line($"{(r == rows[0] && c == 0 ? f.Type + " " : "")}v = {Load(r, c)};");
                                        for (int j = 0; j < channels; j++)
                                            w.Line($"{Acc(j, r, c)} = {f.Api}.FusedMultiplyAdd(k{j}, v, {Acc(j, r, c)});");
                                    }
                                    continue;
                                }
                                // 16 registers: the few pixel vectors loaded first, then one channel's broadcast at a time.
                                foreach (var (r, c) in pixels)
                                    w.Line($"{f.Type} v{r}_{c} = {Load(r, c)};");
                                w.Line($"{f.Type} k;");
                                for (int j = 0; j < channels; j++)
                                {
                                    w.Line($"k = {f.Broadcast($"{Unsafe}.Add(ref w{j}, wi + {I(kh * kw + tap)})")};");
                                    foreach (var (r, c) in pixels)
                                        w.Line($"{Acc(j, r, c)} = {f.Api}.FusedMultiplyAdd(k, v{r}_{c}, {Acc(j, r, c)});");
                                }
                            }
                    }
                });
                // A 512-bit vector's lanes past a row's pixels land on the next row's first pixels, stored right after; the
                // plane's last row goes through a buffer, so nothing past it is touched. 256-bit vectors end inside the row.
                bool spillsOver = f == VectorFlavor.Wide && ow < f.Lanes;
                if (spillsOver && end == oh)
                    w.Line($"global::System.Span<float> lastRow = stackalloc float[{f.Count}];");
                for (int j = 0; j < channels; j++)
                    for (int r = first; r < end; r++)
                        for (int c = 0; c < columns.Length; c++)
                        {
                            long at = (long)j * oh * ow + (long)r * ow + columns[c];
                            if (!spillsOver || r < oh - 1)
                                w.Line($"{f.Api}.StoreUnsafe({Activated(l, Acc(j, r, c))}, ref y, {I(at)});");
                            else
                            {
                                w.Line($"{f.Api}.StoreUnsafe({Activated(l, Acc(j, r, c))}, ref MemoryMarshal.GetReference(lastRow));");
                                w.Line($"lastRow.Slice(0, {I(ow)}).CopyTo(MemoryMarshal.CreateSpan(ref {Unsafe}.Add(ref y, {I(at)}), {I(ow)}));");
                            }
                        }
            }
            w.Line();
        }

        /// <summary>
        /// The permute controls and lane masks of <see cref="RowPhase"/>, one per kernel column, as locals of the band
        /// helper: lane j of kernel column kw takes column 2j + kw − padLeft of the row's 32, and a lane whose column lies
        /// past either end (on the zero padding) is masked to +0.
        /// </summary>
        private static void EmitRowPhaseConstants(SourceWriter w, LayerPlan l)
        {
            w.Line($"// Kernel column kw's 16 lanes are columns 2j + kw − {I(l.Spec.PadLeft)} of a row's two vectors (one two-source permute), lanes on the padding zeroed.");
            for (int tap = 0; tap < l.Spec.KernelW; tap++)
            {
                int[] column = RowPhaseColumns(l, tap);
                w.Line($"global::System.Runtime.Intrinsics.Vector512<int> columnsOfTap{I(tap)} = Vector512.Create({string.Join(", ", column.Select(c => I(OnPadding(l, c) ? 0 : c)))});");
                if (column.Any(c => OnPadding(l, c)))
                    w.Line($"Vector512F lanesOfTap{I(tap)} = Vector512.AsSingle(Vector512.Create({string.Join(", ", column.Select(c => OnPadding(l, c) ? "0u" : "uint.MaxValue"))}));");
            }
        }

        private static bool OnPadding(LayerPlan l, int column) => column < 0 || column >= l.Input.Width;

        /// <summary>The input column each of the 16 lanes of kernel column <paramref name="tap"/> reads (outside [0, 32) on the padding).</summary>
        private static int[] RowPhaseColumns(LayerPlan l, int tap) =>
            Enumerable.Range(0, VectorFlavor.Wide.Lanes).Select(j => 2 * j + tap - l.Spec.PadLeft).ToArray();

        /// <summary>Kernel column <paramref name="tap"/>'s 16 lanes of the input row at <paramref name="rowOffset"/> in channel <c>xi</c> (<see cref="EmitRowPhaseConstants"/>).</summary>
        private static string RowPhase(LayerPlan l, long rowOffset, int tap)
        {
            string permute = $"global::System.Runtime.Intrinsics.X86.Avx512F.PermuteVar16x32x2(Vector512.LoadUnsafe(ref xi, {I(rowOffset)}), columnsOfTap{I(tap)}, Vector512.LoadUnsafe(ref xi, {I(rowOffset + 16)}))";
            return RowPhaseColumns(l, tap).Any(c => OnPadding(l, c)) ? $"({permute} & lanesOfTap{I(tap)})" : permute;
        }

        /// <summary>
        /// Rows narrower than a 512-bit vector waste lanes when vectors run over pixels; with output channels a multiple of
        /// 16, vectors run over 16 channels instead (one 512-bit vector or two 256-bit ones), one accumulator per pixel
        /// and vector of a row (AVX-512: the whole row, at most 15 and a weight vector; AVX2: groups of up to 6 pixels).
        /// </summary>
        private static bool ChannelsVectorized(LayerPlan l) =>
            l.Output.Channels % 16 == 0 && l.Output.Width < VectorFlavor.Wide.Lanes && l.WeightCount <= 16384
            && (long)l.Spec.KernelH * l.Spec.KernelW * l.Output.Width <= 400 && 16L * l.Output.Height * l.Output.Width <= 8192;

        /// <summary>
        /// One sample in vectors of 16 output channels: per output row, each pixel's accumulators take the bias, then per
        /// input channel and tap (the same order as every other path, so the bits agree) the input value broadcast times
        /// the tap's weight vectors; rows are stored pixel-major, then transposed into the channels' planes. 256-bit
        /// vectors take a row in groups of pixels whose 2 × pixels accumulators, two weight vectors and the broadcast fit
        /// 16 registers: L2 then fills every lane where vectors over its 10-pixel rows filled 10 of 16.
        /// </summary>
        private static void EmitChannelVectors(SourceWriter w, LayerPlan l, ConvolutionBuffers b, string source, VectorFlavor f)
        {
            int oc = l.Output.Channels, ow = l.Output.Width, pixels = l.Output.Height * l.Output.Width;
            int vectors = 16 / f.Lanes;
            bool one = vectors == 1;
            string Bias(int v) => one ? "bias" : $"bias{v}";
            string Acc(int p, int v) => one ? $"a{p}" : $"a{p}_{v}";
            var groups = f == VectorFlavor.Wide ? new[] { (First: 0, Count: ow) }
                : TileRanges(ow, LayerPlan.WeightAccumulatorBudget(f.Lanes) / vectors);
            using (w.Open($"for (int oc0 = 0; oc0 < {I(oc)}; oc0 += 16)"))
            {
                for (int v = 0; v < vectors; v++)
                    w.Line(b.Bias is not null ? $"{f.Type} {Bias(v)} = {f.Api}.LoadUnsafe(ref {b.Bias}, {(v == 0 ? "(nuint)oc0" : $"(nuint)(oc0 + {I(v * f.Lanes)})")});" : $"{f.Type} {Bias(v)} = {f.Type}.Zero;");
                using (w.Open($"for (int oh = 0; oh < {I(l.Output.Height)}; oh++)"))
                {
                    w.Line($"ref float xr = ref {Unsafe}.Add(ref {source}, oh * {I((long)l.Spec.StrideH * l.PaddedRowStride)});");
                    foreach (var (first, count) in groups)
                        using (w.OpenIf(groups.Length > 1, ""))
                        {
                            var group = Enumerable.Range(first, count).ToArray();
                            foreach (int p in group)
                                for (int v = 0; v < vectors; v++) w.Line($"{f.Type} {Acc(p, v)} = {Bias(v)};");
                            w.Line(one ? $"{f.Type} k;" : $"{f.Type} {string.Join(", ", Enumerable.Range(0, vectors).Select(v => $"k{v}"))}, xb;");
                            EmitChannelLoop(w, l, "xr", PlaneLength(l), () => EmitInputTaps(w, l, (offset, tap) =>
                            {
                                string weights = $"(nuint)((wi + {tap}) * {I(oc)} + oc0";
                                if (one)
                                {
                                    w.Line($"k = {f.Api}.LoadUnsafe(ref cw, {weights}));");
                                    foreach (int p in group)
                                        w.Line($"{Acc(p, 0)} = {f.Api}.FusedMultiplyAdd({f.Broadcast($"{Unsafe}.Add(ref xi, {offset} + {I(p)})")}, k, {Acc(p, 0)});");
                                    return;
                                }
                                // Taps share input values (pixel p at tap kw + 1 reads what p + 1 read at kw), and the JIT
                                // keeps a broadcast for its next use: with 16 registers that spills the tile. A store into
                                // the group's own first result (overwritten at its end) makes it load each one again from L1.
                                if (f != VectorFlavor.Wide)
                                    w.Line($"{Unsafe}.Add(ref pm, (oh * {I(ow)} + {I(first)}) * 16) = 0f;");
                                for (int v = 0; v < vectors; v++)
                                    w.Line($"k{v} = {f.Api}.LoadUnsafe(ref cw, {weights}{(v == 0 ? "" : " + " + I(v * f.Lanes))}));");
                                foreach (int p in group)
                                {
                                    w.Line($"xb = {f.Broadcast($"{Unsafe}.Add(ref xi, {offset} + {I(p)})")};");
                                    for (int v = 0; v < vectors; v++)
                                        w.Line($"{Acc(p, v)} = {f.Api}.FusedMultiplyAdd(xb, k{v}, {Acc(p, v)});");
                                }
                            }));
                            foreach (int p in group)
                                for (int v = 0; v < vectors; v++)
                                    w.Line($"{f.Api}.StoreUnsafe({Activated(l, Acc(p, v))}, ref pm, (nuint)((oh * {I(ow)} + {I(p)}) * 16{(one ? "" : " + " + I(v * f.Lanes))}));");
                        }
                }
                w.Line($"ref float yo = ref {Unsafe}.Add(ref {b.Output}s, oc0 * {I(pixels)});");
                EmitTranspose(w, "pm", "yo", pixels, 16, pixels);
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
            // In the conv's own layout consecutive output pixels read consecutive floats, at every stride. Each output is
            // the bias plus its taps fused in one order on every path, so the widths agree bit for bit. A step computes
            // two vectors of pixels per channel: two in a row, or, when a row is under two vectors wide, one in each of two rows.
            bool wide = ow >= VectorFlavor.Wide.Lanes, flat = FlatLength(l) > 0;
            // The flat plane pays at 16 lanes; at 8 (L2: 17 vectors where rows take 20, L2's dX 31 where they take 28) its
            // copy out costs what it saves or more.
            if (flat)
                using (w.Open($"if ({VectorFlavor.Wide.Accelerated})"))
                    EmitFlatRows(w, l, b, source, count);
            VectorFlavor.EmitByWidth(w, wide, I(ow), flavor =>
            {
                int lanes = flavor.PlannedLanes;
                int perRow = ow >= 2 * lanes ? 2 : 1;
                int rows = flavor == VectorFlavor.Wide
                    // AVX-512's 32 registers hold as many rows as the budget: each channel's broadcast feeds more FMAs.
                    ? Math.Min(oh, Math.Max(1, LayerPlan.WeightAccumulatorBudget(lanes) / (count * perRow)))
                    : Math.Min(oh, SixteenRegisterRows(count, perRow));
                EmitTiles(w, "oh", oh, rows, passRows => EmitVectorRows(w, l, b, source, count, flavor, passRows));
            }, continuesChain: flat);
            using (w.Open("else"))
            using (w.Open($"for (int oh = 0; oh < {I(oh)}; oh++)"))
            {
                EmitRowPointers(w, l, b, source, count);
                using (w.Open($"for (int ow = 0; ow < {I(ow)}; ow++)"))
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
                    for (int j = 0; j < count; j++) w.Line($"{Unsafe}.Add(ref yr{j}, ow) = {Activated(l, $"s{j}")};");
                }
            }
        }

        /// <summary>
        /// Rows of a vector step on 16 registers: as many as keep count × pixels accumulators within the budget (12) and,
        /// with the pixel vectors (a register each when several channels share them; with one channel each load feeds
        /// its FMA directly) and the broadcast, one register free; at least two rows of a one-vector row. With few
        /// channels, as in a one-channel dX, two or four accumulators alone would wait on the FMA latency.
        /// </summary>
        private static int SixteenRegisterRows(int count, int perRow)
        {
            int rows = perRow == 1 ? 2 : 1;
            bool Fits(int r) => count * perRow * r <= LayerPlan.WeightAccumulatorBudget(8)
                && count * perRow * r + (count > 1 ? perRow * r : 0) + 1 <= VectorFlavor.SixteenRegisterLive;
            while (Fits(rows + 1)) rows++;
            return rows;
        }

        /// <summary>
        /// Floats of the flattened output plane when rows are narrower than one 512-bit vector (16 pixels) but the
        /// input row is not much wider: at stride 1, output pixel (oh, ow) reads the input at oh · rowStride + ow + tap, so
        /// the plane is one run of (OH − 1) · rowStride + OW positions whose extra columns (rowStride − OW per row) are
        /// computed and dropped. 0 when that does not pay (under 60 % useful) or the tile would not fit a small stack buffer.
        /// </summary>
        private static int FlatLength(LayerPlan l)
        {
            int ow = l.Output.Width, stride = l.PaddedRowStride;
            if (l.Spec.StrideH != 1 || l.Spec.StrideW != 1 || ow >= VectorFlavor.Wide.Lanes || l.Output.Height < 2 || ChannelsVectorized(l)) return 0;
            long length = (long)(l.Output.Height - 1) * stride + ow;
            bool useful = 10L * ow >= 6L * stride, small = length * l.ChannelTile <= 4096;
            return useful && small && length >= 2 * VectorFlavor.Wide.Lanes ? (int)length : 0;
        }

        /// <summary>
        /// The flattened plane (see <see cref="FlatLength"/>) in 512-bit steps of two vectors into a stack buffer, then each
        /// output row copied out: the same fused operations per output as every other path.
        /// </summary>
        private static void EmitFlatRows(SourceWriter w, LayerPlan l, ConvolutionBuffers b, string source, int count)
        {
            VectorFlavor f = VectorFlavor.Wide;
            int length = FlatLength(l), oh = l.Output.Height, ow = l.Output.Width;
            w.Line($"ref float xr = ref {source};");
            for (int j = 0; j < count; j++)
                w.Line($"ref float yr{j} = ref {Unsafe}.Add(ref flat, {I((long)j * length)});");
            w.Line("int ow = 0;");
            using (w.Open($"for (; ow <= {I(length)} - 2 * {f.Count}; ow += 2 * {f.Count})"))
                EmitVectorStep(w, l, count, new List<(int, int)> { (0, 0), (0, 1) }, f);
            using (w.Open($"for (; ow < {I(length)}; ow += {f.Count})"))
            {
                w.Line($"if (ow > {I(length)} - {f.Count}) ow = {I(length)} - {f.Count};");
                EmitVectorStep(w, l, count, new List<(int, int)> { (0, 0) }, f);
            }
            using (w.Open($"for (int j = 0; j < {I(count)}; j++)"))
            using (w.Open($"for (int oh = 0; oh < {I(oh)}; oh++)"))
                w.Line($"MemoryMarshal.CreateReadOnlySpan(ref {Unsafe}.Add(ref flat, j * {I(length)} + oh * {I(l.PaddedRowStride)}), {I(ow)}).CopyTo(" +
                       $"MemoryMarshal.CreateSpan(ref {Unsafe}.Add(ref {b.Output}s, (oc + j) * {I((long)oh * ow)} + oh * {I(ow)}), {I(ow)}));");
        }

        /// <summary><c>xr</c>: the input window origin of output row <c>oh</c>; <c>yr{j}</c>: output row <c>oh</c> of channel oc + j.</summary>
        private static void EmitRowPointers(SourceWriter w, LayerPlan l, ConvolutionBuffers b, string source, int count)
        {
            w.Line($"ref float xr = ref {Unsafe}.Add(ref {source}, oh * {I((long)l.Spec.StrideH * l.PaddedRowStride)});");
            for (int j = 0; j < count; j++)
                w.Line($"ref float yr{j} = ref {Unsafe}.Add(ref {b.Output}s, (oc + {j}) * {I((long)l.Output.Height * l.Output.Width)} + oh * {I(l.Output.Width)});");
        }

        /// <summary>
        /// Output rows oh..oh+rows−1 in vector steps: two vectors of each row per step while a row has two left, then one.
        /// The last vector of a row overlaps its neighbour rather than falling to scalars (it recomputes equal values).
        /// </summary>
        private static void EmitVectorRows(SourceWriter w, LayerPlan l, ConvolutionBuffers b, string source, int count, VectorFlavor f, int rows)
        {
            int ow = l.Output.Width;
            EmitRowPointers(w, l, b, source, count);
            w.Line("int ow = 0;");
            var oneVectorPerRow = new List<(int Row, int Column)>();
            var twoVectorsPerRow = new List<(int Row, int Column)>();
            for (int r = 0; r < rows; r++)
            {
                oneVectorPerRow.Add((r, 0));
                twoVectorsPerRow.Add((r, 0));
                twoVectorsPerRow.Add((r, 1));
            }
            int lanes = f.PlannedLanes;
            // With 16 registers, a row that would end in two one-vector steps (28 pixels: 0 and 8, then 16, then 20) ends in
            // a pair overlapping the one before (0 and 8, then 12 and 20) instead: the same count of vectors, all with the
            // full tile's accumulators, where a one-vector step's waited on the FMA latency (L1's forward 3.41 -> 3.12 µs).
            // Not for one channel, whose unshared loads feed the FMAs directly (L1's dX: 205 against 264-271 µs).
            // (Only where the native vector is at most half a row, which the JIT knows; else the one-vector loop below.)
            if (f != VectorFlavor.Wide && count > 1 && ow >= 2 * lanes && ow % (2 * lanes) > lanes)
                using (w.Open($"if ({I(ow)} >= 2 * {f.Count})"))
                using (w.Open($"for (; ow < {I(ow)}; ow += 2 * {f.Count})"))
                {
                    w.Line($"if (ow > {I(ow)} - 2 * {f.Count}) ow = {I(ow)} - 2 * {f.Count};");
                    EmitVectorStep(w, l, count, twoVectorsPerRow, f);
                }
            else if (ow >= 2 * lanes)
                using (w.Open($"for (; ow <= {I(ow)} - 2 * {f.Count}; ow += 2 * {f.Count})"))
                    EmitVectorStep(w, l, count, twoVectorsPerRow, f);
            using (w.Open($"for (; ow < {I(ow)}; ow += {f.Count})"))
            {
                w.Line($"if (ow > {I(ow)} - {f.Count}) ow = {I(ow)} - {f.Count};");
                EmitVectorStep(w, l, count, oneVectorPerRow, f);
            }
        }

        /// <summary>count × pixels accumulators at column <c>ow</c>: per tap, one load per pixel vector (row, vector column) and one broadcast per channel.</summary>
        private static void EmitVectorStep(SourceWriter w, LayerPlan l, int count, List<(int Row, int Column)> pixels, VectorFlavor f)
        {
            string Acc(int j, int p) => $"a{j}_{p}";
            string InputAt(int p) => $"{I((long)pixels[p].Row * l.Spec.StrideH * l.PaddedRowStride)} + {pixels[p].Column} * {f.Count}";
            string OutputAt(int p) => $"ow + {I((long)pixels[p].Row * l.Output.Width)} + {pixels[p].Column} * {f.Count}";
            for (int j = 0; j < count; j++)
                for (int p = 0; p < pixels.Count; p++)
                    w.Line($"{f.Type} {Acc(j, p)} = {f.Broadcast($"b{j}")};");
            if (count > 1 || f == VectorFlavor.Wide)
                for (int p = 0; p < pixels.Count; p++) w.Line($"{f.Type} v{p};");
            w.Line($"{f.Type} k;");
            w.Line($"ref float xo = ref {Unsafe}.Add(ref xr, ow);");
            EmitChannelLoop(w, l, "xo", PlaneLength(l), () => EmitInputTaps(w, l, (offset, tap) =>
            {
                if (count == 1 && f != VectorFlavor.Wide)
                {
                    // One channel (a one-channel dX): each pixel vector feeds one FMA, as its memory operand. Rows of a tile
                    // read again what the row below read a tap row earlier, and the JIT kept each such load for its next
                    // use: L1's dX held 12 accumulators and dozens of those vectors, and spilled (989 stack moves). A
                    // store into the tile's own first result (overwritten at its end) makes every tap load from L1 again.
                    w.Line($"{Unsafe}.Add(ref yr0, {OutputAt(0)}) = 0f;");
                    w.Line($"k = {f.Broadcast($"{Unsafe}.Add(ref w0, wi + {tap})")};");
                    for (int p = 0; p < pixels.Count; p++)
                        w.Line($"{Acc(0, p)} = {f.Api}.FusedMultiplyAdd(k, {f.Api}.LoadUnsafe(ref xi, (nuint)({offset} + {InputAt(p)})), {Acc(0, p)});");
                    return;
                }
                for (int p = 0; p < pixels.Count; p++)
                    w.Line($"v{p} = {f.Api}.LoadUnsafe(ref xi, (nuint)({offset} + {InputAt(p)}));");
                for (int j = 0; j < count; j++)
                {
                    w.Line($"k = {f.Broadcast($"{Unsafe}.Add(ref w{j}, wi + {tap})")};");
                    for (int p = 0; p < pixels.Count; p++)
                        w.Line($"{Acc(j, p)} = {f.Api}.FusedMultiplyAdd(k, v{p}, {Acc(j, p)});");
                }
            }));
            for (int j = 0; j < count; j++)
                for (int p = 0; p < pixels.Count; p++)
                    w.Line($"{f.Api}.StoreUnsafe({Activated(l, Acc(j, p))}, ref yr{j}, (nuint)({OutputAt(p)}));");
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
        /// to[c · toStride + r] = from[r · columns + c] for r &lt; rows, c &lt; columns: blocks of 8 rows × 8 columns transposed
        /// in registers, two blocks (16 columns, a whole cache line of each row) before the next rows, since rows a power of
        /// two apart share cache sets and a line left half read is evicted before the next columns come back to it; the
        /// rows past the last whole block as a block of fewer rows where the destination has room, else (and the columns
        /// past the last whole block) one float at a time.
        /// </summary>
        private static void EmitTranspose(SourceWriter w, string from, string to, int rows, int columns, int toStride)
        {
            const int block = 8;
            int columnBlocks = columns - columns % block, rowBlocks = rows - rows % block, pairs = columns - columns % (2 * block);
            // Rows past the last block go as one block of fewer rows where the destination rows have room for all 8 floats
            // (the pixel-major dY, whose lanes past the channels are zero anyway).
            bool lastRowsAsBlock = rowBlocks < rows && rowBlocks + block <= toStride;
            void Blocks(string c0, int count)
            {
                if (rowBlocks > 0)
                    using (w.Open($"for (int r0 = 0; r0 < {I(rowBlocks)}; r0 += {I(block)})"))
                        for (int b = 0; b < count; b++)
                            w.Line($"global::GenConv.Kernels.Transpose.Block8x8(ref {Unsafe}.Add(ref {from}, r0 * {I(columns)} + {c0} + {I(b * block)}), {I(columns)}, " +
                                   $"ref {Unsafe}.Add(ref {to}, ({c0} + {I(b * block)}) * {I(toStride)} + r0), {I(toStride)});");
                if (lastRowsAsBlock)
                    for (int b = 0; b < count; b++)
                        w.Line($"global::GenConv.Kernels.Transpose.BlockOfRows(ref {Unsafe}.Add(ref {from}, {I((long)rowBlocks * columns)} + {c0} + {I(b * block)}), {I(columns)}, {I(rows - rowBlocks)}, " +
                               $"ref {Unsafe}.Add(ref {to}, ({c0} + {I(b * block)}) * {I(toStride)} + {I(rowBlocks)}), {I(toStride)});");
            }
            bool anyBlock = rowBlocks > 0 || lastRowsAsBlock;
            if (pairs > 0 && anyBlock)
                using (w.Open($"for (int c0 = 0; c0 < {I(pairs)}; c0 += {I(2 * block)})"))
                    Blocks("c0", 2);
            if (pairs < columnBlocks && anyBlock)
                using (w.Open(""))
                    Blocks(I(pairs), 1);
            void Scalar(int firstRow, int firstColumn, int lastColumn)
            {
                using (w.Open($"for (int r = {I(firstRow)}; r < {I(rows)}; r++)"))
                using (w.Open($"for (int c = {I(firstColumn)}; c < {I(lastColumn)}; c++)"))
                    w.Line($"{Unsafe}.Add(ref {to}, c * {I(toStride)} + r) = {Unsafe}.Add(ref {from}, r * {I(columns)} + c);");
            }
            if (rowBlocks < rows && columnBlocks > 0 && !lastRowsAsBlock) Scalar(rowBlocks, 0, columnBlocks); // rows past the last block
            if (columnBlocks < columns) Scalar(0, columnBlocks, columns); // columns past the last block, every row
        }

        /// <summary>
        /// dW[oc, ic, kh, kw] = Σ over samples and output pixels of dY[oc, pixel] · X[ic, pixel shifted by the tap], and
        /// dB[oc] = Σ dY[oc, pixel]. Vectors run over output channels of the sample's pixel-major dY (made just before, by
        /// <see cref="EmitPixelMajorSample"/>), each X value is broadcast:
        /// every weight's sum is one chain of fused multiply-adds in (sample, row, column) order on every vector width,
        /// so no lanes are ever reduced and widths agree bit for bit. A work unit is one input channel and one group of
        /// kernel rows; sums live in registers over a sample and in the scratch between samples (samples outermost, so a
        /// sample's pixel-major dY stays in cache across every unit), and are written out in OIHW at the end.
        /// </summary>
        private static void EmitBackwardWeights(SourceWriter w, LayerPlan l)
        {
            int[] groups = l.WeightRowGroupStarts;
            int groupCount = groups.Length - 1, kh = l.Spec.KernelH, kw = l.Spec.KernelW, stride = l.GradientChannelStride;
            EmitSamplePartPasses(w, l, sample: () => EmitPixelMajorSample(w, l), pass: () =>
            {
                w.Line(groupCount == 1 ? "int ic = u;" : $"int ic = u / {I(groupCount)};");
                w.Line($"ref float xi = ref {Unsafe}.Add(ref xn, ic * {I(PlaneLength(l))});");
                w.Line($"ref float ai = ref {Unsafe}.Add(ref pa, ic * {I((long)kh * kw * stride)});");
                if (groupCount == 1)
                    w.Line($"{WeightRowsName(l, 0, kh)}(first, ref xi, ref gn, ref ai);");
                else
                    using (w.Open($"switch (u % {I(groupCount)})"))
                        for (int g = 0; g < groupCount; g++)
                            w.Line($"case {I(g)}: {WeightRowsName(l, groups[g], groups[g + 1])}(first, ref {Unsafe}.Add(ref xi, {I((long)groups[g] * l.PaddedRowStride)}), ref gn, ref {Unsafe}.Add(ref ai, {I((long)groups[g] * kw * stride)})); break;");
            }, bias: null);
        }

        /// <summary>The parts' sums added in part order, written out OIHW.</summary>
        private static void EmitFinishWeights(SourceWriter w, LayerPlan l)
        {
            int kh = l.Spec.KernelH, kw = l.Spec.KernelW, stride = l.GradientChannelStride;
            long perPart = WeightScratchPerPart(l);
            using (w.Open($"for (int ic = 0; ic < {I(l.Input.Channels)}; ic++)"))
            using (w.Open($"for (int r = 0; r < {I(kh)}; r++)"))
            using (w.Open($"for (int c = 0; c < {I(kw)}; c++)"))
            {
                w.Line($"ref float sums = ref {Unsafe}.Add(ref acc, ((ic * {I(kh)} + r) * {I(kw)} + c) * {I(stride)});");
                using (w.Open($"for (int oc = 0; oc < {I(l.Output.Channels)}; oc++)"))
                    w.Line($"{Unsafe}.Add(ref dw, ((oc * {I(l.Input.Channels)} + ic) * {I(kh)} + r) * {I(kw)} + c) = {PartSum($"{Unsafe}.Add(ref sums, oc", perPart)};");
            }
            if (l.BiasCount > 0)
                using (w.Open($"for (int oc = 0; oc < {I(l.Output.Channels)}; oc++)"))
                    w.Line($"{Unsafe}.Add(ref db, oc) = {PartSum($"{Unsafe}.Add(ref acc, {I(BiasScratchOffset(l))} + oc", perPart)};");
        }

        /// <summary>((p0 + p1) + p2) + …: an element's partial sums, <paramref name="perPart"/> floats apart, in part order. <paramref name="element"/> is an unclosed <c>Unsafe.Add(ref …, offset</c>.</summary>
        private static string PartSum(string element, long perPart) =>
            string.Join(" + ", Enumerable.Range(0, LayerPlan.SampleParts).Select(p => p == 0 ? element + ")" : $"{element} + {I(p * perPart)})"));

        private static string WeightRowsName(LayerPlan l, int firstRow, int endRow) => $"Layer{l.Index}WeightRows{firstRow}To{endRow - 1}";

        /// <summary>The register-tiled sums behind backward weights, one helper per group of kernel rows.</summary>
        public static void EmitWeightGradientHelpers(SourceWriter w, LayerPlan l)
        {
            if (l.WeightGradientOverPixels)
            {
                EmitPixelWeightHelpers(w, l);
                return;
            }
            if (WinogradWeights(l)) return; // its sums are inline (EmitWinogradBackwardWeights)
            int[] groups = l.WeightRowGroupStarts;
            for (int g = 0; g + 1 < groups.Length; g++)
            {
                int rows = groups[g + 1] - groups[g];
                w.Line($"/// <summary>Layer {l.Index}: weight-gradient sums of kernel rows {groups[g]}..{groups[g + 1] - 1} of one input channel over one sample (x at its first row, acc at its first tap).</summary>");
                w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
                using (w.Open($"private static void {WeightRowsName(l, groups[g], groups[g + 1])}(bool first, ref float x, ref float g, ref float acc)"))
                    EmitByChannelWidth(w, l, f => EmitWeightRows(w, l, f, rows));
                w.Line();
            }
        }

        /// <summary>
        /// One path per vector width that divides the padded channel count (512, 256, 128 bits, then scalar), chosen by
        /// the JIT-constant IsHardwareAccelerated checks; they compute the same chains, so any of them gives the same bits.
        /// </summary>
        private static void EmitByChannelWidth(SourceWriter w, LayerPlan l, Action<VectorFlavor?> body) =>
            EmitByFixedWidth(w, f => l.GradientChannelStride % f.Lanes == 0, body);

        /// <summary>
        /// <c>if (512-bit) … else if (256-bit) … else if (128-bit) … else (scalar, <paramref name="body"/> given null)</c>, over
        /// the fixed widths <paramref name="usable"/> accepts, chosen by the JIT-constant IsHardwareAccelerated checks.
        /// </summary>
        private static void EmitByFixedWidth(SourceWriter w, Func<VectorFlavor, bool> usable, Action<VectorFlavor?> body)
        {
            bool opened = false;
            foreach (VectorFlavor f in new[] { VectorFlavor.Wide, VectorFlavor.V256, VectorFlavor.V128 })
            {
                if (!usable(f)) continue;
                using (w.Open($"{(opened ? "else if" : "if")} ({f.Accelerated})"))
                    body(f);
                opened = true;
            }
            using (w.Open("else"))
                body(null);
        }

        /// <summary>
        /// Sums for <paramref name="rows"/> kernel rows: per output pixel, one load per vector of channels and one broadcast
        /// per tap feed (vectors × taps) accumulators. Tiles are as many vectors and taps as fit the register budget.
        /// </summary>
        private static void EmitWeightRows(SourceWriter w, LayerPlan l, VectorFlavor? f, int rows)
        {
            int kw = l.Spec.KernelW, stride = l.GradientChannelStride, taps = rows * kw;
            int ow = l.Output.Width, oh = l.Output.Height;
            if (f is null)
            {
                // No SIMD: the same chains one float at a time.
                EmitEachTap(w, l, rows, () =>
                {
                    using (w.Open($"for (int oc = 0; oc < {I(l.Output.Channels)}; oc++)"))
                    {
                        w.Line($"float s = first ? 0f : {Unsafe}.Add(ref at, oc);");
                        using (w.Open($"for (int oh = 0; oh < {I(oh)}; oh++)"))
                        using (w.Open($"for (int ow = 0; ow < {I(ow)}; ow++)"))
                            w.Line($"s = MathF.FusedMultiplyAdd({Unsafe}.Add(ref g, (oh * {I(ow)} + ow) * {I(stride)} + oc), {Unsafe}.Add(ref xt, oh * {I((long)l.Spec.StrideH * l.PaddedRowStride)} + ow), s);");
                        w.Line($"{Unsafe}.Add(ref at, oc) = s;");
                    }
                });
                return;
            }
            int vectors = stride / f.Lanes, budget = LayerPlan.WeightAccumulatorBudget(f.Lanes);
            if (!l.WeightTapsUnrolled)
            {
                // A window too large to spell out: one tap at a time, as many vectors of channels as fit.
                EmitEachTap(w, l, rows, () =>
                    EmitTiles(w, "v", vectors, Math.Min(vectors, budget), count => EmitWeightTile(w, l, f, new List<(long, int)> { (0, 0) }, count, "xt", "at")));
                return;
            }
            var tapOffsets = new List<(long Input, int Tap)>();
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < kw; c++)
                    tapOffsets.Add(((long)r * l.PaddedRowStride + l.ColumnOffset(c), r * kw + c));
            // Taps beyond the budget split into near-equal chunks of one vector each; otherwise as many vectors as fit.
            int chunks = (taps + budget - 1) / budget;
            // On 16 registers, with few vectors of channels (16 channels: two), a pixel's vectors loaded once may feed a chunk
            // of taps as large as the tile, the dY vectors and the broadcast fit (6 taps × 2), so each broadcast feeds two
            // FMAs: L2's weight gradients at batch 32 went from 187-190 to 170-172 µs. With 4 vectors only 2 taps fit, fewer
            // accumulators than one vector's 9 taps, and L4's measured slower (7.4 against 7.9-8.2 ms).
            int tapsBesideVectors = (VectorFlavor.SixteenRegisterLive - 1 - vectors) / vectors; // taps × vectors + vectors + 1 live
            if (f != VectorFlavor.Wide && vectors > 1 && tapsBesideVectors >= 3 && taps * vectors > budget)
                chunks = (taps + tapsBesideVectors - 1) / tapsBesideVectors;
            for (int chunk = 0; chunk < chunks; chunk++)
            {
                var chunkTaps = tapOffsets.GetRange(chunk * taps / chunks, (chunk + 1) * taps / chunks - chunk * taps / chunks);
                int tile = Math.Max(1, Math.Min(vectors, budget / chunkTaps.Count));
                EmitTiles(w, "v", vectors, tile, count => EmitWeightTile(w, l, f, chunkTaps, count, "x", "acc"));
            }
        }

        /// <summary>Loops over the taps of <paramref name="rows"/> kernel rows with <c>xt</c> at the tap's input and <c>at</c> at its sums.</summary>
        private static void EmitEachTap(SourceWriter w, LayerPlan l, int rows, Action body)
        {
            using (w.Open($"for (int r = 0; r < {I(rows)}; r++)"))
            using (w.Open($"for (int c = 0; c < {I(l.Spec.KernelW)}; c++)"))
            {
                w.Line($"ref float xt = ref {Unsafe}.Add(ref x, r * {I(l.PaddedRowStride)} + {PhaseColumn(l, "c")});");
                w.Line($"ref float at = ref {Unsafe}.Add(ref acc, (r * {I(l.Spec.KernelW)} + c) * {I(l.GradientChannelStride)});");
                body();
            }
        }

        /// <summary>
        /// <paramref name="count"/> vectors of channels from vector <c>v</c> × the given taps (offsets from <paramref name="input"/>,
        /// sums at <paramref name="sums"/>), over every output pixel of the sample.
        /// </summary>
        private static void EmitWeightTile(SourceWriter w, LayerPlan l, VectorFlavor f, List<(long Input, int Tap)> taps, int count, string input, string sums)
        {
            int stride = l.GradientChannelStride, ow = l.Output.Width;
            string Acc(int t, int j) => $"a{t}_{j}";
            string AccOffset(int t, int j) => I((long)taps[t].Tap * stride + j * f.Lanes);
            w.Line($"ref float gv = ref {Unsafe}.Add(ref g, v * {I(f.Lanes)});");
            w.Line($"ref float av = ref {Unsafe}.Add(ref {sums}, v * {I(f.Lanes)});");
            for (int t = 0; t < taps.Count; t++)
                for (int j = 0; j < count; j++)
                    w.Line($"{f.Type} {Acc(t, j)} = first ? {f.Type}.Zero : {f.Api}.LoadUnsafe(ref av, {AccOffset(t, j)});");
            using (w.Open($"for (int oh = 0; oh < {I(l.Output.Height)}; oh++)"))
            {
                w.Line($"ref float xr = ref {Unsafe}.Add(ref {input}, oh * {I((long)l.Spec.StrideH * l.PaddedRowStride)});");
                w.Line($"ref float gr = ref {Unsafe}.Add(ref gv, oh * {I((long)ow * stride)});");
                // With one vector of channels, each broadcast feeds one FMA per tap; four pixels at a time share the
                // broadcasts of inputs their taps have in common (pixel p, tap offset d and pixel p + 1, offset d − 1 read
                // the same float). Each accumulator still takes the pixels in order, so the chains are unchanged.
                int pixels = count == 1 && ow >= 4 ? 4 : 1;
                w.Line("int ow = 0;");
                if (pixels > 1)
                    using (w.Open($"for (; ow <= {I(ow - pixels)}; ow += {I(pixels)})"))
                        EmitWeightPixels(w, l, f, taps, count, pixels, Acc);
                using (w.Open($"for (; ow < {I(ow)}; ow++)"))
                    EmitWeightPixels(w, l, f, taps, count, 1, Acc);
            }
            for (int t = 0; t < taps.Count; t++)
                for (int j = 0; j < count; j++)
                    w.Line($"{f.Api}.StoreUnsafe({Acc(t, j)}, ref av, {AccOffset(t, j)});");
        }

        /// <summary>One step of <see cref="EmitWeightTile"/>'s pixel loop: <paramref name="pixels"/> output pixels from <c>ow</c>.</summary>
        private static void EmitWeightPixels(SourceWriter w, LayerPlan l, VectorFlavor f, List<(long Input, int Tap)> taps, int count, int pixels, Func<int, int, string> acc)
        {
            int stride = l.GradientChannelStride;
            w.Line($"ref float gp = ref {Unsafe}.Add(ref gr, ow * {I(stride)});");
            w.Line($"ref float xo = ref {Unsafe}.Add(ref xr, ow);");
            for (int p = 0; p < pixels; p++)
                for (int j = 0; j < count; j++)
                    w.Line($"{f.Type} g{p}_{j} = {f.Api}.LoadUnsafe(ref gp, {I((long)p * stride + j * f.Lanes)});");
            w.Line($"{f.Type} k;");
            // Input offsets in increasing order: a tap meets its pixels in increasing order too.
            foreach (long input in taps.SelectMany(t => Enumerable.Range(0, pixels).Select(p => t.Input + p)).Distinct().OrderBy(d => d))
            {
                w.Line($"k = {f.Broadcast($"{Unsafe}.Add(ref xo, {I(input)})")};");
                for (int t = 0; t < taps.Count; t++)
                {
                    long p = input - taps[t].Input;
                    if (p < 0 || p >= pixels) continue;
                    for (int j = 0; j < count; j++)
                        w.Line($"{acc(t, j)} = {f.Api}.FusedMultiplyAdd(g{p}_{j}, k, {acc(t, j)});");
                }
            }
        }

        /// <summary>
        /// The bias's part carried on over sample <c>n</c>'s pixel-major dY (<c>gn</c>), from zero on the part's first: Σ of dY
        /// over the part's samples and pixels, one chain per channel in (sample, pixel) order on every path.
        /// </summary>
        private static void EmitBiasGradient(SourceWriter w, LayerPlan l, VectorFlavor? f)
        {
            int stride = l.GradientChannelStride, oc = l.Output.Channels;
            long positions = (long)l.Output.Height * l.Output.Width;
            if (f is null)
            {
                using (w.Open($"for (int oc = 0; oc < {I(oc)}; oc++)"))
                {
                    w.Line($"float s = n == n0 ? 0f : {Unsafe}.Add(ref pb, oc);");
                    using (w.Open($"for (int q = 0; q < {I(positions)}; q++)"))
                        w.Line($"s += {Unsafe}.Add(ref gn, q * {I(stride)} + oc);");
                    w.Line($"{Unsafe}.Add(ref pb, oc) = s;");
                }
                return;
            }
            // Whole vectors in and out: the part's bias sums have room for every lane, and the padded channels' are zero.
            EmitTiles(w, "v", stride / f.Lanes, LayerPlan.WeightAccumulatorBudget(f.Lanes), count =>
            {
                w.Line($"ref float pv = ref {Unsafe}.Add(ref pb, v * {I(f.Lanes)});");
                for (int j = 0; j < count; j++)
                    w.Line($"{f.Type} s{j} = n == n0 ? {f.Type}.Zero : {f.Api}.LoadUnsafe(ref pv, {I((long)j * f.Lanes)});");
                using (w.Open($"for (int q = 0; q < {I(positions)}; q++)"))
                {
                    w.Line($"ref float gq = ref {Unsafe}.Add(ref gn, q * {I(stride)} + v * {I(f.Lanes)});");
                    for (int j = 0; j < count; j++)
                        w.Line($"s{j} += {f.Api}.LoadUnsafe(ref gq, {I((long)j * f.Lanes)});");
                }
                for (int j = 0; j < count; j++)
                    w.Line($"{f.Api}.StoreUnsafe(s{j}, ref pv, {I((long)j * f.Lanes)});");
            });
        }

        /// <summary>
        /// dX where neither the plain convolution nor the phase gather serves (padding of at least the kernel at stride 1;
        /// more than 16 phases or 128 taps), into one sample's
        /// copy of the conv's own padded, phase-split layout, where the output pixels of one tap hit consecutive floats:
        /// tap by tap, a tile of input channels × output rows of dX stays in registers while every output channel's
        /// weight (broadcast) times its dY row (loaded, shared by the tile's channels) is added. Within a tap every dX
        /// element takes one output pixel, so each element sums in (tap, output channel) order on every vector width.
        /// The copy is then unpadded and unsplit into dX.
        /// </summary>
        private static void EmitBackwardDataScatter(SourceWriter w, LayerPlan l)
        {
            int oc = l.Output.Channels, ic = l.Input.Channels, window = l.Spec.KernelH * l.Spec.KernelW;
            int oh = l.Output.Height, ow = l.Output.Width;
            int channelTile = Math.Min(ic, 4), rowTile = Math.Min(oh, 3);
            BindCallScratch(w, "dxp");
            using (OpenSampleLoop(w, DataGradientSamples(l)))
            {
                w.Line($"MemoryMarshal.CreateSpan(ref dxps, {I(l.PaddedLength)}).Clear();");
                EmitTiles(w, "ic", ic, channelTile, channels =>
                {
                    using (w.Open($"for (int kh = 0; kh < {I(l.Spec.KernelH)}; kh++)"))
                    using (w.Open($"for (int kw = 0; kw < {I(l.Spec.KernelW)}; kw++)"))
                    {
                        w.Line($"ref float dt = ref {Unsafe}.Add(ref dxps, ic * {I(PlaneLength(l))} + kh * {I(l.PaddedRowStride)} + {PhaseColumn(l, "kw")});");
                        w.Line($"ref float wt = ref {Unsafe}.Add(ref w, ic * {I(window)} + kh * {I(l.Spec.KernelW)} + kw);");
                        EmitTiles(w, "oh", oh, rowTile, rows => EmitScatterTile(w, l, channels, rows));
                    }
                });
                EmitRowCopy(w, l, "dxs", "dxps", toPadded: false);
                if (l.RectifiesInputGradient) EmitRectified(w, "xs", "dxs", l.InputLength);
            }
        }

        /// <summary>Per sample of backward data: dY, dX, and the layer's input where a ReLU's backward is fused in.</summary>
        private static (string, long)[] DataGradientSamples(LayerPlan l) => l.RectifiesInputGradient
            ? new (string, long)[] { ("dy", l.OutputLength), ("dx", l.InputLength), ("x", l.InputLength) }
            : new (string, long)[] { ("dy", l.OutputLength), ("dx", l.InputLength) };

        /// <summary>
        /// dX of a strided convolution, phase by phase (<see cref="PhaseGather"/>): a tile of input channels × rows of
        /// every row phase × every column phase × one vector of positions stays in registers while, for each output channel
        /// and each tap in (kh, kw) order, the tap's weight (broadcast) times its shifted dY row is added to the tile's
        /// accumulators of the tap's phase. Every dX element is one chain in (output channel, tap) order on every vector
        /// width. Stored once: into dX itself, the two column phases of stride 2 interleaved in registers
        /// (<see cref="PhaseGather.StoresPlain"/>), or else into the conv's padded, phase-split layout, then unpadded and
        /// unsplit into dX.
        /// </summary>
        private static void EmitBackwardDataGather(SourceWriter w, PhaseGather g)
        {
            LayerPlan l = g.Layer;
            int rowsOfEveryPhase = g.Rows.CommonCount;
            if (g.StoresPlain) BindCallScratch(w, "dyp");
            else BindCallScratch(w, "dxp", "dyp");
            using (OpenSampleLoop(w, DataGradientSamples(l)))
            {
                w.Line("// The padded dY's border stays zero from allocation on; only its interior is written.");
                using (w.Open($"for (int c = 0; c < {I(l.Output.Channels)}; c++)"))
                using (w.Open($"for (int r = 0; r < {I(l.Output.Height)}; r++)"))
                {
                    string from = $"ref {Unsafe}.Add(ref dys, (c * {I(l.Output.Height)} + r) * {I(l.Output.Width)})";
                    string to = $"ref {Unsafe}.Add(ref dyps, c * {I(g.PaddedOutputPlane)} + (r + {I(g.Rows.PadBefore)}) * {I(g.PaddedOutputWidth)} + {I(g.Columns.PadBefore)})";
                    w.Line($"MemoryMarshal.CreateReadOnlySpan({from}, {I(l.Output.Width)}).CopyTo(MemoryMarshal.CreateSpan({to}, {I(l.Output.Width)}));");
                }
                EmitTiles(w, "ic", l.Input.Channels, g.ChannelTile, channels =>
                {
                    if (rowsOfEveryPhase > 0)
                        EmitTiles(w, "m", rowsOfEveryPhase, g.RowTile, rows => EmitGatherTileCall(w, g, channels, rows, AllRowPhases(g)));
                    if (LastRowPhases(g) is { Length: > 0 } lastRowPhases) // the one row only some phases have
                        using (w.Open(""))
                        {
                            w.Line($"const int m = {I(rowsOfEveryPhase)};");
                            EmitGatherTileCall(w, g, channels, 1, lastRowPhases);
                        }
                });
                if (!g.StoresPlain) EmitRowCopy(w, l, "dxs", "dxps", toPadded: false);
                if (l.RectifiesInputGradient) EmitRectified(w, "xs", "dxs", l.InputLength);
            }
        }

        private static int[] AllRowPhases(PhaseGather g) => Enumerable.Range(0, g.Rows.Stride).Where(a => g.Rows.Count(a) > 0).ToArray();

        private static int[] LastRowPhases(PhaseGather g) => AllRowPhases(g).Where(a => g.Rows.Count(a) > g.Rows.CommonCount).ToArray();

        private static string GatherTileName(PhaseGather g, int channels, int rows, int[] rowPhases) =>
            $"Layer{g.Layer.Index}DataGradient{channels}Channels{rows}Rows{(rowPhases.Length == AllRowPhases(g).Length ? "" : "OfRowPhases" + string.Concat(rowPhases))}";

        /// <summary>
        /// The gather tiles as helpers, one per tile shape: the tiles of every shape in one method left the JIT short of
        /// inlining budget (it stopped inlining even vector constructors) once each phase had 12 accumulators.
        /// </summary>
        public static void EmitDataGradientHelpers(SourceWriter w, LayerPlan l)
        {
            if (ModelPlanner.BackwardDataAsConvolution(l) is not null || PhaseGather.For(l) is not { } g) return;
            foreach (int channels in TileSizes(l.Input.Channels, g.ChannelTile))
            {
                var shapes = g.Rows.CommonCount > 0 ? TileSizes(g.Rows.CommonCount, g.RowTile).Select(rows => (rows, AllRowPhases(g))).ToList() : new();
                if (LastRowPhases(g) is { Length: > 0 } lastRowPhases) shapes.Add((1, lastRowPhases));
                foreach (var (rows, rowPhases) in shapes)
                {
                    w.Line($"/// <summary>Layer {l.Index}: dX of {channels} input channels × {rows} rows of row phases {string.Join(", ", rowPhases)} (dt at the tile's first dX element, gm at its first padded dY row, wi at its first channel's weights).</summary>");
                    w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
                    using (w.Open($"private static void {GatherTileName(g, channels, rows, rowPhases)}(ref float dt, ref float gm, ref float wi)"))
                        EmitGatherTile(w, g, channels, rows, rowPhases);
                    w.Line();
                }
            }
        }

        /// <summary>The call of one gather tile at input channel <c>ic</c> and row <c>m</c> of each phase.</summary>
        private static void EmitGatherTileCall(SourceWriter w, PhaseGather g, int channels, int rows, int[] rowPhases)
        {
            LayerPlan l = g.Layer;
            var (rowStep, channelStep) = TargetSteps(g);
            string target = $"ref {Unsafe}.Add(ref {(g.StoresPlain ? "dxs" : "dxps")}, ic * {I(channelStep)} + m * {I(rowStep)})";
            string dy = $"ref {Unsafe}.Add(ref dyps, m * {I(g.PaddedOutputWidth)})";
            string weights = $"ref {Unsafe}.Add(ref w, ic * {I(l.Spec.KernelH * l.Spec.KernelW)})";
            w.Line($"{GatherTileName(g, channels, rows, rowPhases)}({target}, {dy}, {weights});");
        }

        /// <summary>Floats from a gather tile's dX row to the next tile row (s_h input rows) and from one input channel to the next.</summary>
        private static (long Row, long Channel) TargetSteps(PhaseGather g) => g.StoresPlain
            ? ((long)g.Rows.Stride * g.Layer.Input.Width, (long)g.Layer.Input.Height * g.Layer.Input.Width)
            : ((long)g.Rows.Stride * g.Layer.PaddedRowStride, PlaneLength(g.Layer));

        /// <summary>One gather tile's body: <paramref name="channels"/> input channels × <paramref name="rows"/> rows of each of <paramref name="rowPhases"/>.</summary>
        private static void EmitGatherTile(SourceWriter w, PhaseGather g, int channels, int rows, int[] rowPhases)
        {
            LayerPlan l = g.Layer;
            PhaseGather.Axis ry = g.Rows, cx = g.Columns;
            int window = l.Spec.KernelH * l.Spec.KernelW, oc = l.Output.Channels;
            long plane = PlaneLength(l), weightStep = (long)l.Input.Channels * window;
            int[] columnPhases = Enumerable.Range(0, cx.Stride).Where(b => cx.Count(b) > 0).ToArray();
            int positions = cx.CommonCount;
            var taps = (from kh in Enumerable.Range(0, l.Spec.KernelH)
                        from kw in Enumerable.Range(0, l.Spec.KernelW)
                        where rowPhases.Contains(ry.PhaseOf(kh)) && columnPhases.Contains(cx.PhaseOf(kw))
                        select (kh, kw)).ToArray();
            // dX element (i, r, a, b) + q, input row s_h·(m + r) + a and column s_w·q + b, sits in dX (plain) or in the
            // padded, phase-split layout at
            var (rowStep, channelStep) = TargetSteps(g);
            string Target(int i, int r, int a, int b) => g.StoresPlain
                ? I(i * channelStep + (long)(ry.Stride * r + a) * l.Input.Width + b)
                : I(i * plane + (long)(ry.Stride * r + a + l.Spec.PadTop) * l.PaddedRowStride + l.ColumnOffset(b + l.Spec.PadLeft));
            // plus, for position t of a column phase, s_w·t in a dX row (the phase's b is in Target), t in the phase's run.
            string PositionOffset(string t) => g.StoresPlain && cx.Stride == 2 ? $"2 * {t}" : t;
            // and tap (kh, kw) reads dY from (row r + shift, column q + shift) of the padded copy.
            string Source(int r, int kh, int kw) => I((long)(r + ry.Shift(kh) + ry.PadBefore) * g.PaddedOutputWidth + cx.Shift(kw) + cx.PadBefore);
            string Acc(int i, int r, int a, int b) => $"a{i}_{r}_{a}_{b}";

            w.Line("int q = 0;");
            bool interleaved = g.StoresPlain && cx.Stride == 2;
            VectorFlavor.EmitByWidth(w, positions >= VectorFlavor.Wide.Lanes, I(positions), f =>
            {
                int budget = LayerPlan.WeightAccumulatorBudget(f.PlannedLanes);
                var passes = PhasePasses(channels * rows, rowPhases, columnPhases, interleaved, budget);
                using (w.Open($"for (; q <= {I(positions)} - {f.Count}; q += {f.Count})"))
                    foreach (var pass in passes)
                        using (w.OpenIf(passes.Count > 1, ""))
                            EmitPass(f, pass);
            });

            // The tile's accumulators of the phases in pass, each output channel's taps of those phases added, stored.
            void EmitPass(VectorFlavor f, (int A, int B)[] pass)
            {
                for (int i = 0; i < channels; i++)
                    for (int r = 0; r < rows; r++)
                        foreach (var (a, b) in pass)
                            w.Line($"{f.Type} {Acc(i, r, a, b)} = {f.Type}.Zero;");
                // Taps of a pass read the same dY vectors (kh and kh + s_h a row apart, columns of phase 0 and 1), and the
                // JIT keeps a vector loaded for one tap in a register until another reuses it: with 16 registers that
                // spills the tile. A store into the pass's own first target (overwritten at its end) before each tap makes
                // the JIT assume dY may have changed, so every tap loads from L1 instead: L5's dX on AVX2 went from 60 to
                // 71 % of peak. AVX-512's 32 registers hold the reused vectors, so its code has no barrier.
                string? reloadBarrier = f == VectorFlavor.Wide ? null
                    : $"{Unsafe}.Add(ref dt, {Target(0, 0, pass[0].A, pass[0].B)} + {PositionOffset("q")}) = 0f;";
                using (w.Open($"for (int o = 0; o < {I(oc)}; o++)"))
                {
                    w.Line($"ref float go = ref {Unsafe}.Add(ref gm, o * {I(g.PaddedOutputPlane)} + q);");
                    w.Line($"ref float wo = ref {Unsafe}.Add(ref wi, o * {I(weightStep)});");
                    foreach (var (kh, kw) in taps.Where(t => pass.Contains((ry.PhaseOf(t.kh), cx.PhaseOf(t.kw)))))
                        using (w.Open(""))
                        {
                            if (reloadBarrier is not null) w.Line(reloadBarrier);
                            for (int i = 0; i < channels; i++)
                                w.Line($"{f.Type} k{i} = {f.Broadcast($"{Unsafe}.Add(ref wo, {I((long)i * window + kh * l.Spec.KernelW + kw)})")};");
                            for (int r = 0; r < rows; r++)
                            {
                                w.Line($"{(r == 0 ? f.Type + " " : "")}d = {f.Api}.LoadUnsafe(ref go, {Source(r, kh, kw)});");
                                for (int i = 0; i < channels; i++)
                                    w.Line($"{Acc(i, r, ry.PhaseOf(kh), cx.PhaseOf(kw))} = {f.Api}.FusedMultiplyAdd(k{i}, d, {Acc(i, r, ry.PhaseOf(kh), cx.PhaseOf(kw))});");
                            }
                        }
                }
                for (int i = 0; i < channels; i++)
                    for (int r = 0; r < rows; r++)
                        foreach (int a in pass.Select(p => p.A).Distinct())
                        {
                            if (interleaved)
                            {
                                // A pass of one column phase stores the even elements (with copies between), and the odd ones'
                                // pass, next, sets the odd elements.
                                string pair = $"ref {Unsafe}.Add(ref dt, {Target(i, r, a, 0)} + {PositionOffset("q")})";
                                bool even = pass.Contains((a, 0)), odd = pass.Contains((a, 1));
                                if (even && odd) w.Line($"global::GenConv.Kernels.Interleave.Merge({Acc(i, r, a, 0)}, {Acc(i, r, a, 1)}, {pair});");
                                else if (even) w.Line($"global::GenConv.Kernels.Interleave.MergeEven({Acc(i, r, a, 0)}, {pair});");
                                else w.Line($"global::GenConv.Kernels.Interleave.MergeOdd({Acc(i, r, a, 1)}, {pair});");
                                continue;
                            }
                            foreach (var (_, b) in pass.Where(p => p.A == a))
                                w.Line($"{f.Api}.StoreUnsafe({Acc(i, r, a, b)}, ref dt, (nuint)({Target(i, r, a, b)} + q));");
                        }
            }
            // The positions past the last whole vector (and past the common count in the phases that have one more), one
            // chain each in the same (output channel, tap) order.
            foreach (int a in rowPhases)
                foreach (int b in columnPhases)
                {
                    var phaseTaps = taps.Where(t => ry.PhaseOf(t.kh) == a && cx.PhaseOf(t.kw) == b).ToArray();
                    using (w.Open($"for (int t = q; t < {I(cx.Count(b))}; t++)"))
                    using (w.Open($"for (int i = 0; i < {I(channels)}; i++)"))
                    using (w.Open($"for (int r = 0; r < {I(rows)}; r++)"))
                    {
                        w.Line("float s = 0f;");
                        if (phaseTaps.Length > 0)
                            using (w.Open($"for (int o = 0; o < {I(oc)}; o++)"))
                            {
                                w.Line($"ref float go = ref {Unsafe}.Add(ref gm, o * {I(g.PaddedOutputPlane)} + r * {I(g.PaddedOutputWidth)} + t);");
                                w.Line($"ref float wo = ref {Unsafe}.Add(ref wi, o * {I(weightStep)} + i * {I(window)});");
                                foreach (var (kh, kw) in phaseTaps)
                                    w.Line($"s = MathF.FusedMultiplyAdd({Unsafe}.Add(ref wo, {I(kh * l.Spec.KernelW + kw)}), {Unsafe}.Add(ref go, {Source(0, kh, kw)}), s);");
                            }
                        w.Line($"{Unsafe}.Add(ref dt, i * {I(channelStep)} + r * {I(rowStep)} + {Target(0, 0, a, b)} + {PositionOffset("t")}) = s;");
                    }
                }
        }

        /// <summary>
        /// The tile's phases (row phase a, column phase b) in passes whose accumulators (<paramref name="perPhase"/> each)
        /// fit <paramref name="budget"/>: as few as fit, a row phase's column phases kept together when they are stored
        /// interleaved and fit together (AVX-512), else the even before the odd. Every dX element belongs to one phase,
        /// so its chain is the same in any split.
        /// </summary>
        private static List<(int A, int B)[]> PhasePasses(int perPhase, int[] rowPhases, int[] columnPhases, bool interleaved, int budget)
        {
            var units = interleaved && columnPhases.Length * perPhase <= budget
                ? rowPhases.Select(a => columnPhases.Select(b => (a, b)).ToArray()).ToList()
                : (from a in rowPhases from b in columnPhases select new[] { (a, b) }).ToList();
            var passes = new List<(int A, int B)[]>();
            var current = new List<(int A, int B)>();
            foreach (var unit in units)
            {
                if (current.Count > 0 && (current.Count + unit.Length) * perPhase > budget)
                {
                    passes.Add(current.ToArray());
                    current.Clear();
                }
                current.AddRange(unit);
            }
            passes.Add(current.ToArray());
            return passes;
        }

        /// <summary>One tap's contribution to <paramref name="channels"/> input channels × <paramref name="rows"/> output rows from <c>ic</c>, <c>oh</c>.</summary>
        private static void EmitScatterTile(SourceWriter w, LayerPlan l, int channels, int rows)
        {
            int oc = l.Output.Channels, ow = l.Output.Width, window = l.Spec.KernelH * l.Spec.KernelW;
            long plane = PlaneLength(l), rowStep = (long)l.Spec.StrideH * l.PaddedRowStride, weightStep = (long)l.Input.Channels * window;
            string Target(int i, int r) => I(i * plane + r * rowStep);
            w.Line($"ref float dr = ref {Unsafe}.Add(ref dt, oh * {I(rowStep)});");
            w.Line($"ref float gr = ref {Unsafe}.Add(ref dys, oh * {I(ow)});");
            w.Line("int ow = 0;");
            bool wide = ow >= VectorFlavor.Wide.Lanes;
            VectorFlavor.EmitByWidth(w, wide, I(ow), f =>
            {
                using (w.Open($"for (; ow <= {I(ow)} - {f.Count}; ow += {f.Count})"))
                {
                    for (int i = 0; i < channels; i++)
                        for (int r = 0; r < rows; r++)
                            w.Line($"{f.Type} a{i}_{r} = {f.Api}.LoadUnsafe(ref dr, (nuint)({Target(i, r)} + ow));");
                    using (w.Open($"for (int o = 0; o < {I(oc)}; o++)"))
                    {
                        for (int r = 0; r < rows; r++)
                            w.Line($"{f.Type} g{r} = {f.Api}.LoadUnsafe(ref gr, (nuint)(o * {I((long)l.Output.Height * ow)} + {I((long)r * ow)} + ow));");
                        w.Line($"{f.Type} k;");
                        for (int i = 0; i < channels; i++)
                        {
                            w.Line($"k = {f.Broadcast($"{Unsafe}.Add(ref wt, o * {I(weightStep)} + {I((long)i * window)})")};");
                            for (int r = 0; r < rows; r++)
                                w.Line($"a{i}_{r} = {f.Api}.FusedMultiplyAdd(k, g{r}, a{i}_{r});");
                        }
                    }
                    for (int i = 0; i < channels; i++)
                        for (int r = 0; r < rows; r++)
                            w.Line($"{f.Api}.StoreUnsafe(a{i}_{r}, ref dr, (nuint)({Target(i, r)} + ow));");
                }
            });
            using (w.Open($"for (; ow < {I(ow)}; ow++)"))
            using (w.Open($"for (int i = 0; i < {I(channels)}; i++)"))
            using (w.Open($"for (int r = 0; r < {I(rows)}; r++)"))
            {
                w.Line($"ref float target = ref {Unsafe}.Add(ref dr, i * {I(plane)} + r * {I(rowStep)} + ow);");
                w.Line("float s = target;");
                using (w.Open($"for (int o = 0; o < {I(oc)}; o++)"))
                    w.Line($"s = MathF.FusedMultiplyAdd({Unsafe}.Add(ref wt, o * {I(weightStep)} + i * {I(window)}), {Unsafe}.Add(ref gr, o * {I((long)l.Output.Height * ow)} + r * {I(ow)} + ow), s);");
                w.Line("target = s;");
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
                    // Padded column s·j + q (input column s·j + q − PadLeft) is float j of phase q: one strided run per phase.
                    w.Line($"ref float plain = {plainRow};");
                    w.Line($"ref float split = {paddedRow};");
                    int stride = l.Spec.StrideW;
                    if (stride == 2)
                    {
                        // Input column 2i + e is padded column 2i + e + PadLeft: phase (e + PadLeft) % 2, float i + (e + PadLeft) / 2.
                        string Phase(int e) => $"ref {Unsafe}.Add(ref split, {I((long)(e + l.Spec.PadLeft) % 2 * l.PhaseWidth + (e + l.Spec.PadLeft) / 2)})";
                        w.Line(toPadded
                            ? $"global::GenConv.Kernels.Interleave.Split(ref plain, {Phase(0)}, {Phase(1)}, {I(width / 2)});"
                            : $"global::GenConv.Kernels.Interleave.Merge({Phase(0)}, {Phase(1)}, ref plain, {I(width / 2)});");
                        if (width % 2 == 1)
                        {
                            int last = width - 1, column = last + l.Spec.PadLeft;
                            string at = $"{Unsafe}.Add(ref split, {I((long)column % 2 * l.PhaseWidth + column / 2)})";
                            w.Line(toPadded ? $"{at} = {Unsafe}.Add(ref plain, {I(last)});" : $"{Unsafe}.Add(ref plain, {I(last)}) = {at};");
                        }
                        return;
                    }
                    if (stride > 4)
                    {
                        using (w.Open($"for (int col = 0; col < {I(width)}; col++)"))
                        {
                            string at = $"{Unsafe}.Add(ref split, (col + {I(l.Spec.PadLeft)}) % {I(stride)} * {I(l.PhaseWidth)} + (col + {I(l.Spec.PadLeft)}) / {I(stride)})";
                            w.Line(toPadded ? $"{at} = {Unsafe}.Add(ref plain, col);" : $"{Unsafe}.Add(ref plain, col) = {at};");
                        }
                        return;
                    }
                    for (int q = 0; q < stride; q++)
                    {
                        int shift = q - l.Spec.PadLeft;                       // input column of j = 0
                        int first = shift >= 0 ? 0 : (-shift + stride - 1) / stride;
                        int end = width - 1 - shift < 0 ? 0 : (width - 1 - shift) / stride + 1;
                        if (first >= end) continue;
                        string at = $"ref {Unsafe}.Add(ref split, {I((long)q * l.PhaseWidth)})";
                        using (w.Open($"for (int j = {I(first)}; j < {I(end)}; j++)"))
                            w.Line(toPadded
                                ? $"{Unsafe}.Add({at}, j) = {Unsafe}.Add(ref plain, j * {I(stride)} + {I(shift)});"
                                : $"{Unsafe}.Add(ref plain, j * {I(stride)} + {I(shift)}) = {Unsafe}.Add({at}, j);");
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
    /// on AVX2 and AVX-512 machines, 128-bit on SSE and Arm), and fixed 512, 256 or 128 bits where a kernel's data
    /// comes in whole vectors of that width (512-bit only where the hardware has it). Only the accelerated branch
    /// survives the JIT; element-wise results do not depend on which one ran.
    /// </summary>
    internal sealed class VectorFlavor
    {
        public static readonly VectorFlavor Native = new("VectorF", "Vector", "VectorF.Count", "Vector.IsHardwareAccelerated", "new VectorF({0})", 1);
        public static readonly VectorFlavor Wide = Fixed(512);
        public static readonly VectorFlavor V256 = Fixed(256);
        public static readonly VectorFlavor V128 = Fixed(128);

        private static VectorFlavor Fixed(int bits)
        {
            string api = "Vector" + bits; // aliases of System.Runtime.Intrinsics.Vector{bits} and Vector{bits}<float> in every generated file
            return new(api + "F", api, (bits / 32).ToString(System.Globalization.CultureInfo.InvariantCulture),
                api + ".IsHardwareAccelerated", api + ".Create({0})", bits / 32);
        }

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
        /// <summary>Lanes a kernel is tiled for: a fixed width's own; 8 for Vector&lt;float&gt;, as on x64 with AVX2 or AVX-512 (narrower machines still get correct code).</summary>
        public int PlannedLanes => this == Native ? 8 : Lanes;

        /// <summary>Vector registers a 16-register tile may keep live (accumulators, loaded operands, the broadcast), one left to the JIT.</summary>
        public const int SixteenRegisterLive = 15;
        public string Broadcast(string scalar) => string.Format(System.Globalization.CultureInfo.InvariantCulture, broadcast, scalar);

        /// <summary>
        /// Emits <c>if (512-bit accelerated) { … } else if (Vector&lt;float&gt; accelerated) { … }</c> (the 512-bit branch only
        /// when <paramref name="wide"/>), each branch also requiring <paramref name="minimumCount"/> to hold a whole vector when
        /// given; <paramref name="continuesChain"/> when an <c>if</c> was already emitted before it.
        /// </summary>
        public static void EmitByWidth(SourceWriter w, bool wide, string? minimumCount, Action<VectorFlavor> body, bool continuesChain = false)
        {
            bool first = !continuesChain;
            foreach (VectorFlavor f in wide ? new[] { Wide, Native } : new[] { Native })
            {
                string condition = minimumCount is null ? f.Accelerated : $"{f.Accelerated} && {minimumCount} >= {f.Count}";
                using (w.Open($"{(first ? "if" : "else if")} ({condition})"))
                    body(f);
                first = false;
            }
        }
    }
}
