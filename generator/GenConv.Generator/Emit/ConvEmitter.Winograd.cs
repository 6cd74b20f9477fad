using System;
using GenConv.Generator.Helpers;
using GenConv.Generator.Planning;
using GenConv.Model;

namespace GenConv.Generator.Emit
{
    /// <summary>
    /// Convolutions declared with <c>Winograd = true</c>: F(2×2, 3×3), where each 2×2 block of outputs (a tile) takes 16
    /// products per input channel instead of 36. A sample is done in blocks of whole tile rows: the block's input tiles
    /// are transformed (Bᵀ d B, <c>Kernels.Winograd</c>) into 16 planes [ξ][input channel][tile]; per tile of output
    /// channels, the 16 planes go through the direct kernel's own register tiles as 1×1 convolutions with the kernel's
    /// transform U[ξ] (G g Gᵀ, computed before the pass and kept while the weights stay the same) as weights, and the
    /// products are transformed back (Aᵀ M A) into the tile's outputs with bias and fused activation while they are still
    /// in cache. Every step is element-wise over tiles
    /// or one fused chain over input channels, the same on every vector width, so the widths agree bit for bit.
    /// </summary>
    internal sealed partial class ConvEmitter
    {
        private const int Products = 16;

        /// <summary>Tiles a block aims at: enough for the products' register tiles (two rows of two 512-bit vectors).</summary>
        private const int BlockTiles = 64;

        private static int TileRows(LayerPlan l) => l.Output.Height / 2;
        private static int TileColumns(LayerPlan l) => l.Output.Width / 2;

        /// <summary>Tile rows per block: whole rows up to <see cref="BlockTiles"/> tiles (at least one row, at most all).</summary>
        private static int BlockRows(LayerPlan l) => Math.Min(TileRows(l), Math.Max(1, BlockTiles / TileColumns(l)));

        private static int BlockLength(LayerPlan l) => BlockRows(l) * TileColumns(l);

        /// <summary>
        /// Floats from one ξ's plane to the next for planes of <paramref name="floats"/>: whole cache lines, and one line
        /// more where that would be a multiple of 2 KB. The 16 planes are read and written together, and 16 addresses a
        /// multiple of 4 KB apart all fall in one set of the 12-way L1 cache, which then misses on every access.
        /// </summary>
        private static long PlaneStride(long floats)
        {
            long lines = (floats + 15) / 16 * 16;
            return lines % 512 == 0 ? lines + 16 : lines;
        }

        private static long KernelStride(LayerPlan l) => PlaneStride((long)l.Output.Channels * l.Input.Channels);
        private static long InputStride(LayerPlan l) => PlaneStride((long)l.Input.Channels * BlockLength(l));
        private static long ProductStride(LayerPlan l) => PlaneStride((long)l.Output.Channels * BlockLength(l));

        /// <summary>Floats of one call's Winograd scratch: a block's V [ξ][ic][tile] and M [ξ][oc][tile].</summary>
        public static long WinogradScratchLength(LayerPlan l) => Products * (InputStride(l) + ProductStride(l));

        /// <summary>Floats of a transformed kernel U [ξ][oc][ic].</summary>
        public static long WinogradKernelLength(LayerPlan l) => Products * KernelStride(l);

        /// <summary>
        /// The products of one ξ as a 1×1 convolution over the block's tiles, shaped as rows of 32 tiles where the block
        /// has whole ones (so the 512-bit path holds two rows of two vectors per channel), else one row.
        /// </summary>
        private static LayerPlan ProductPlan(LayerPlan l)
        {
            int tiles = BlockLength(l);
            int width = tiles % 32 == 0 ? 32 : tiles;
            var spec = LayerSpec.Conv2D(l.Output.Channels, 1, bias: false);
            return new LayerPlan(l.Index, spec, new TensorShape(l.Input.Channels, tiles / width, width), new TensorShape(l.Output.Channels, tiles / width, width),
                l.ParameterName, 0, l.Output.Channels * l.Input.Channels, 0, 0, (long)l.Output.Channels * l.Input.Channels * tiles, WindowUnroll.Full, l.ChannelTile);
        }

        private static void EmitWinograd(SourceWriter w, LayerPlan l, ConvolutionBuffers b)
        {
            int outputs = l.Output.Channels, tileRows = TileRows(l), blockRows = BlockRows(l);
            long kernelStride = KernelStride(l), inputStride = InputStride(l), productStride = ProductStride(l);
            (string, long)[] perSample = ConvolutionSamples(w, l, b);
            BindCallScratch(w, "wg");
            // U, computed before the pass (PrepareForward, PrepareBackwardData) for every thread's calls to share.
            w.Line($"ref float wu = ref {ParameterName(b.Stage == Stage.Forward ? Buffer.WinogradKernel : Buffer.WinogradBackwardKernel)};");
            w.Line("ref float wv = ref wgs;");
            w.Line($"ref float wm = ref {Unsafe}.Add(ref wgs, {I(Products * inputStride)});");
            using (OpenSampleLoop(w, perSample))
            {
                string source = EmitPaddedCopy(w, l, b);
                using (w.Open($"for (int th0 = 0; th0 < {I(tileRows)}; th0 += {I(blockRows)})"))
                {
                    if (tileRows % blockRows != 0)
                        w.Line($"if (th0 > {I(tileRows - blockRows)}) th0 = {I(tileRows - blockRows)}; // the last block overlaps its neighbour: its outputs are written, never added");
                    EmitInputTransform(w, l, source, I(blockRows));
                    LayerPlan products = ProductPlan(l);
                    var productBuffers = new ConvolutionBuffers("vx", "ux", null, "mx", null, b.Stage);
                    EmitTiles(w, "oc", outputs, l.ChannelTile, count =>
                    {
                        w.Line("// M[ξ][oc][tile] = Σ over ic of U[ξ][oc][ic] · V[ξ][ic][tile], for this tile of output channels.");
                        using (w.Open($"for (int product = 0; product < {I(Products)}; product++)"))
                        {
                            w.Line($"ref float vx = ref {Unsafe}.Add(ref wv, product * {I(inputStride)});");
                            w.Line($"ref float ux = ref {Unsafe}.Add(ref wu, product * {I(kernelStride)});");
                            w.Line($"ref float mxs = ref {Unsafe}.Add(ref wm, product * {I(productStride)});");
                            EmitConvolutionTile(w, products, productBuffers, "vx", count);
                        }
                        EmitOutputTransform(w, l, b, count);
                    });
                }
                if (b.Rectify) EmitRectified(w, "xs", "dxs", l.OutputLength);
            }
        }

        /// <summary>
        /// Forward's U, recomputed only when the weights differ (bit for bit) from those it was computed from: inference
        /// with unchanged weights skips the transform (about 2.6 µs for L4's 1,024 kernels), and a training step, whose
        /// update changed them, pays a comparison that fails early and a copy.
        /// </summary>
        private static void EmitWinogradKernelCache(SourceWriter w, LayerPlan l)
        {
            using (w.Open($"if (!global::GenConv.Kernels.Winograd.KernelIsCurrent(ref w, ref wks, {I(l.WeightCount)}))"))
            {
                EmitKernelTransform(w, l, "w", "wk");
                w.Line($"global::GenConv.Kernels.Winograd.KernelComputedFrom(ref w, ref wks, {I(l.WeightCount)});");
            }
        }

        /// <summary>U[ξ][oc][ic] = (G g Gᵀ)[ξ] of each 3×3 kernel g = <paramref name="weight"/>[oc, ic], into <paramref name="kernel"/>.</summary>
        private static void EmitKernelTransform(SourceWriter w, LayerPlan l, string weight, string kernel)
        {
            long kernels = (long)l.Output.Channels * l.Input.Channels, kernelStride = KernelStride(l);
            if (kernels >= 8)
            {
                // 8 kernels a step, the last step moved back to end at the last kernel (it writes equal values again).
                using (w.Open("if (global::System.Runtime.Intrinsics.X86.Avx2.IsSupported)"))
                using (w.Open($"for (int k = 0; k < {I(kernels)}; k = global::GenConv.Kernels.PoolWindows.Next(k, 8, {I(kernels)}))"))
                    w.Line($"global::GenConv.Kernels.Winograd.Kernels8(ref {Unsafe}.Add(ref {weight}, k * 9), ref {Unsafe}.Add(ref {kernel}, k), {I(kernelStride)});");
                w.Line("else");
            }
            using (w.Open($"for (int k = 0; k < {I(kernels)}; k++)"))
                w.Line($"global::GenConv.Kernels.Winograd.Kernel(ref {Unsafe}.Add(ref {weight}, k * 9), ref {Unsafe}.Add(ref {kernel}, k), {I(kernelStride)});");
        }

        /// <summary>
        /// Whether backward weights goes through Winograd too: wherever forward does and dY is made pixel-major (vectors
        /// of output channels; layers under 16 channels with wide rows sum over pixel vectors instead, directly).
        /// </summary>
        public static bool WinogradWeights(LayerPlan l) => l.Spec.Winograd && !l.WeightGradientOverPixels;

        /// <summary>Floats from one ξ's plane of a block's transformed dY, [tile][output channel], to the next.</summary>
        private static long GradientStride(LayerPlan l) => PlaneStride((long)BlockLength(l) * l.GradientChannelStride);

        /// <summary>Floats of one part's Winograd backward-weights scratch: a block's V [ξ][ic][tile] and A dY Aᵀ [ξ][tile][oc].</summary>
        public static long WinogradGradientScratchLength(LayerPlan l) => Products * (InputStride(l) + GradientStride(l));

        /// <summary>
        /// dU[ξ][ic][oc] = Σ over the part's samples and tiles of V[ξ][ic][tile] · (A dY Aᵀ)[ξ][tile][oc], 16 matrix products
        /// with 2.25× fewer multiply-adds than the direct form's 9 taps; dW = Gᵀ dU G once the parts are added
        /// (<see cref="EmitWinogradFinishWeights"/>). Per block of tile rows the input tiles are transformed again from the
        /// padded input forward kept, and the dY tiles from the pixel-major dY, so that vectors run over output channels
        /// and V is broadcast: every sum is one chain of fused multiply-adds in (sample, tile) order on every width.
        /// </summary>
        private static void EmitWinogradBackwardWeights(SourceWriter w, LayerPlan l)
        {
            int stride = l.GradientChannelStride, tileColumns = TileColumns(l), ow = l.Output.Width;
            long inputStride = InputStride(l), gradientStride = GradientStride(l), dUStride = (long)l.Input.Channels * stride;
            using (OpenWeightParts(w, l))
            {
                w.Line($"ref float wv = ref {Unsafe}.Add(ref wgb, part * {I(WinogradGradientScratchLength(l))});");
                w.Line($"ref float wy = ref {Unsafe}.Add(ref wv, {I(Products * inputStride)});");
                using (w.Open("for (int n = n0; n < n1; n++)"))
                {
                    w.Line($"ref float xn = ref {Unsafe}.Add(ref {(l.NeedsPaddedInput ? "xp" : "x")}, n * {I(l.PaddedLength)});");
                    EmitPixelMajorSample(w, l);
                    using (w.Open($"for (int th0 = 0; th0 < {I(TileRows(l))}; th0 += {I(BlockRows(l))})"))
                    {
                        w.Line($"int rows = Math.Min({I(BlockRows(l))}, {I(TileRows(l))} - th0), tiles = rows * {I(tileColumns)};");
                        w.Line("bool first = n == n0 && th0 == 0;");
                        EmitInputTransform(w, l, "xn", "rows");
                        w.Line("// A dY Aᵀ of each tile of the block, [ξ][tile][output channel].");
                        using (w.Open("for (int r = 0; r < rows; r++)"))
                        using (w.Open($"for (int tw = 0; tw < {I(tileColumns)}; tw++)"))
                            w.Line($"global::GenConv.Kernels.Winograd.GradientTile(ref {Unsafe}.Add(ref gn, ((th0 + r) * {I(2L * ow)} + 2 * tw) * {I(stride)}), " +
                                   $"{I((long)ow * stride)}, {I(stride)}, ref {Unsafe}.Add(ref wy, (r * {I(tileColumns)} + tw) * {I(stride)}), {I(gradientStride)}, {I(stride)});");
                        using (w.Open($"for (int product = 0; product < {I(Products)}; product++)"))
                        {
                            w.Line($"ref float vx = ref {Unsafe}.Add(ref wv, product * {I(inputStride)});");
                            w.Line($"ref float yx = ref {Unsafe}.Add(ref wy, product * {I(gradientStride)});");
                            w.Line($"ref float ax = ref {Unsafe}.Add(ref pa, product * {I(dUStride)});");
                            EmitByChannelWidth(w, l, f => EmitWinogradWeightTiles(w, l, f));
                        }
                    }
                }
            }
        }

        /// <summary>
        /// One ξ's sums dU[ξ][ic][oc] over the block's tiles, in tiles of input channels × vectors of output channels held in
        /// registers (<c>first</c>: starting from zero, else from the part's sums so far).
        /// </summary>
        private static void EmitWinogradWeightTiles(SourceWriter w, LayerPlan l, VectorFlavor? f)
        {
            int stride = l.GradientChannelStride, block = BlockLength(l);
            if (f is null)
            {
                using (w.Open($"for (int ic = 0; ic < {I(l.Input.Channels)}; ic++)"))
                using (w.Open($"for (int oc = 0; oc < {I(l.Output.Channels)}; oc++)"))
                {
                    w.Line($"float s = first ? 0f : {Unsafe}.Add(ref ax, ic * {I(stride)} + oc);");
                    using (w.Open("for (int t = 0; t < tiles; t++)"))
                        w.Line($"s = MathF.FusedMultiplyAdd({Unsafe}.Add(ref yx, t * {I(stride)} + oc), {Unsafe}.Add(ref vx, ic * {I(block)} + t), s);");
                    w.Line($"{Unsafe}.Add(ref ax, ic * {I(stride)} + oc) = s;");
                }
                return;
            }
            int vectors = stride / f.Lanes, budget = LayerPlan.WeightAccumulatorBudget(f.Lanes);
            int vectorTile = Math.Min(vectors, 4), channelTile = Math.Max(1, budget / vectorTile);
            EmitTiles(w, "v", vectors, vectorTile, vectorCount =>
                EmitTiles(w, "ic", l.Input.Channels, Math.Min(channelTile, budget / vectorCount), channels =>
                {
                    string Acc(int i, int j) => $"a{i}_{j}";
                    string Offset(int i, int j) => I((long)i * stride + (long)j * f.Lanes);
                    w.Line($"ref float av = ref {Unsafe}.Add(ref ax, ic * {I(stride)} + v * {I(f.Lanes)});");
                    w.Line($"ref float vi = ref {Unsafe}.Add(ref vx, ic * {I(block)});");
                    w.Line($"ref float yv = ref {Unsafe}.Add(ref yx, v * {I(f.Lanes)});");
                    for (int i = 0; i < channels; i++)
                        for (int j = 0; j < vectorCount; j++)
                            w.Line($"{f.Type} {Acc(i, j)} = first ? {f.Type}.Zero : {f.Api}.LoadUnsafe(ref av, {Offset(i, j)});");
                    w.Line($"{f.Type} k;");
                    using (w.Open("for (int t = 0; t < tiles; t++)"))
                    {
                        w.Line($"ref float yt = ref {Unsafe}.Add(ref yv, t * {I(stride)});");
                        for (int j = 0; j < vectorCount; j++)
                            w.Line($"{f.Type} g{j} = {f.Api}.LoadUnsafe(ref yt, {I((long)j * f.Lanes)});");
                        for (int i = 0; i < channels; i++)
                        {
                            w.Line($"k = {f.Broadcast($"{Unsafe}.Add(ref vi, {I((long)i * block)} + t)")};");
                            for (int j = 0; j < vectorCount; j++)
                                w.Line($"{Acc(i, j)} = {f.Api}.FusedMultiplyAdd(g{j}, k, {Acc(i, j)});");
                        }
                    }
                    for (int i = 0; i < channels; i++)
                        for (int j = 0; j < vectorCount; j++)
                            w.Line($"{f.Api}.StoreUnsafe({Acc(i, j)}, ref av, {Offset(i, j)});");
                }));
        }

        /// <summary>The parts' sums dU added in part order, then dW[oc, ic] = Gᵀ dU G; the bias as the direct form's.</summary>
        private static void EmitWinogradFinishWeights(SourceWriter w, LayerPlan l)
        {
            int stride = l.GradientChannelStride, inputs = l.Input.Channels;
            long perPart = WeightScratchPerPart(l);
            w.Line($"global::System.Span<float> sums = stackalloc float[{I(Products)}];");
            w.Line("ref float u = ref MemoryMarshal.GetReference(sums);");
            using (w.Open($"for (int ic = 0; ic < {I(inputs)}; ic++)"))
            using (w.Open($"for (int oc = 0; oc < {I(l.Output.Channels)}; oc++)"))
            {
                using (w.Open($"for (int product = 0; product < {I(Products)}; product++)"))
                    w.Line($"{Unsafe}.Add(ref u, product) = {PartSum($"{Unsafe}.Add(ref acc, (product * {I(inputs)} + ic) * {I(stride)} + oc", perPart)};");
                w.Line($"global::GenConv.Kernels.Winograd.KernelGradient(ref u, 1, ref {Unsafe}.Add(ref dw, (oc * {I(inputs)} + ic) * 9));");
            }
            if (l.BiasCount > 0)
                using (w.Open($"for (int oc = 0; oc < {I(l.Output.Channels)}; oc++)"))
                    w.Line($"{Unsafe}.Add(ref db, oc) = {PartSum($"{Unsafe}.Add(ref acc, {I(BiasScratchOffset(l))} + oc", perPart)};");
        }

        /// <summary>V[ξ][ic][tile] = Bᵀ d B of each input tile d of the block's first <paramref name="rows"/> tile rows (from <c>th0</c>), into <c>wv</c>.</summary>
        private static void EmitInputTransform(SourceWriter w, LayerPlan l, string source, string rows)
        {
            int tileColumns = TileColumns(l), rowStride = l.PaddedRowStride;
            long inputStride = InputStride(l);
            w.Line("// V[ξ][ic][tile] = Bᵀ d B of each input tile d of the block.");
            using (w.Open($"for (int ic = 0; ic < {I(l.Input.Channels)}; ic++)"))
            using (w.Open($"for (int r = 0; r < {rows}; r++)"))
            {
                w.Line($"ref float xr = ref {Unsafe}.Add(ref {source}, ic * {I(PlaneLength(l))} + (th0 + r) * {I(2L * rowStride)});");
                w.Line($"ref float vr = ref {Unsafe}.Add(ref wv, ic * {I(BlockLength(l))} + r * {I(tileColumns)});");
                EmitTileLoop(w, tileColumns,
                    $"global::GenConv.Kernels.Winograd.InputTiles16(ref {Unsafe}.Add(ref xr, 2 * tw), {I(rowStride)}, ref {Unsafe}.Add(ref vr, tw), {I(inputStride)});",
                    $"global::GenConv.Kernels.Winograd.InputTiles(ref {Unsafe}.Add(ref xr, 2 * tw), {I(rowStride)}, ref {Unsafe}.Add(ref vr, tw), {I(inputStride)});",
                    $"global::GenConv.Kernels.Winograd.InputTile(ref {Unsafe}.Add(ref xr, 2 * tw), {I(rowStride)}, ref {Unsafe}.Add(ref vr, tw), {I(inputStride)});");
            }
        }

        /// <summary>Y = Aᵀ M A (+ bias, activation) of each tile of the block, for output channels oc..oc+count−1, stored as 2×2 outputs.</summary>
        private static void EmitOutputTransform(SourceWriter w, LayerPlan l, ConvolutionBuffers b, int count)
        {
            int tileColumns = TileColumns(l), block = BlockLength(l), ow = l.Output.Width;
            long productStride = ProductStride(l);
            w.Line("// Y = Aᵀ M A of each tile, plus the bias, through the fused activation.");
            using (w.Open($"for (int c = oc; c < oc + {I(count)}; c++)"))
            {
                if (b.Bias is not null) w.Line($"float bias = {Unsafe}.Add(ref {b.Bias}, c);");
                using (w.Open($"for (int r = 0; r < {I(BlockRows(l))}; r++)"))
                {
                    w.Line($"ref float mr = ref {Unsafe}.Add(ref wm, c * {I(block)} + r * {I(tileColumns)});");
                    w.Line($"ref float y0 = ref {Unsafe}.Add(ref {b.Output}s, c * {I((long)l.Output.Height * ow)} + (th0 + r) * {I(2L * ow)});");
                    w.Line($"ref float y1 = ref {Unsafe}.Add(ref y0, {I(ow)});");
                    string Out(string y, string bias) => Activated(l, b.Bias is null ? y : $"{y} + {bias}");
                    string wide = string.Join(" ", new[]
                    {
                        $"global::GenConv.Kernels.Winograd.OutputTiles16(ref {Unsafe}.Add(ref mr, tw), {I(productStride)}, out Vector512F y00, out Vector512F y01, out Vector512F y10, out Vector512F y11);",
                        b.Bias is null ? "" : "Vector512F bv = Vector512.Create(bias);",
                        $"global::GenConv.Kernels.Interleave.Merge({Out("y00", "bv")}, {Out("y01", "bv")}, ref {Unsafe}.Add(ref y0, 2 * tw));",
                        $"global::GenConv.Kernels.Interleave.Merge({Out("y10", "bv")}, {Out("y11", "bv")}, ref {Unsafe}.Add(ref y1, 2 * tw));",
                    });
                    string vector = string.Join(" ", new[]
                    {
                        $"global::GenConv.Kernels.Winograd.OutputTiles(ref {Unsafe}.Add(ref mr, tw), {I(productStride)}, out Vector256F y00, out Vector256F y01, out Vector256F y10, out Vector256F y11);",
                        b.Bias is null ? "" : "Vector256F bv = Vector256.Create(bias);",
                        $"global::GenConv.Kernels.Interleave.Merge({Out("y00", "bv")}, {Out("y01", "bv")}, ref {Unsafe}.Add(ref y0, 2 * tw));",
                        $"global::GenConv.Kernels.Interleave.Merge({Out("y10", "bv")}, {Out("y11", "bv")}, ref {Unsafe}.Add(ref y1, 2 * tw));",
                    });
                    string scalar = string.Join(" ", new[]
                    {
                        $"global::GenConv.Kernels.Winograd.OutputTile(ref {Unsafe}.Add(ref mr, tw), {I(productStride)}, out float y00, out float y01, out float y10, out float y11);",
                        $"{Unsafe}.Add(ref y0, 2 * tw) = {Out("y00", "bias")}; {Unsafe}.Add(ref y0, 2 * tw + 1) = {Out("y01", "bias")};",
                        $"{Unsafe}.Add(ref y1, 2 * tw) = {Out("y10", "bias")}; {Unsafe}.Add(ref y1, 2 * tw + 1) = {Out("y11", "bias")};",
                    });
                    EmitTileLoop(w, tileColumns, wide, vector, scalar);
                }
            }
        }

        /// <summary>
        /// A loop over the tiles tw of a tile row: 16 at a time where the row has 16 and AVX-512 is there, 8 at a time where
        /// it has 8 and 256-bit vectors are accelerated (the last step moved back to end at the row's end, recomputing
        /// equal values), else one at a time.
        /// </summary>
        private static void EmitTileLoop(SourceWriter w, int tileColumns, string wideStep, string vectorStep, string scalarStep)
        {
            if (tileColumns >= 16)
            {
                using (w.Open("if (global::System.Runtime.Intrinsics.X86.Avx512F.IsSupported)"))
                using (w.Open($"for (int tw = 0; tw < {I(tileColumns)}; tw = global::GenConv.Kernels.PoolWindows.Next(tw, 16, {I(tileColumns)}))"))
                    w.Line(wideStep);
                w.Line("else");
            }
            if (tileColumns >= 8)
            {
                using (w.Open("if (Vector256.IsHardwareAccelerated)"))
                using (w.Open($"for (int tw = 0; tw < {I(tileColumns)}; tw = global::GenConv.Kernels.PoolWindows.Next(tw, 8, {I(tileColumns)}))"))
                    w.Line(vectorStep);
                w.Line("else");
            }
            using (w.Open($"for (int tw = 0; tw < {I(tileColumns)}; tw++)"))
                w.Line(scalarStep);
        }
    }
}
