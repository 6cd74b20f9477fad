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
    /// transform U[ξ] (G g Gᵀ, once per call) as weights, and the products are transformed back (Aᵀ M A) into the
    /// tile's outputs with bias and fused activation while they are still in cache. Every step is element-wise over tiles
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

        /// <summary>Floats of one call's Winograd scratch: U [ξ][oc][ic], then a block's V [ξ][ic][tile] and M [ξ][oc][tile].</summary>
        public static long WinogradScratchLength(LayerPlan l) => Products * (KernelStride(l) + InputStride(l) + ProductStride(l));

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
            int inputs = l.Input.Channels, outputs = l.Output.Channels, tileColumns = TileColumns(l), tileRows = TileRows(l);
            int blockRows = BlockRows(l), block = BlockLength(l), rowStride = l.PaddedRowStride;
            long kernels = (long)outputs * inputs, kernelStride = KernelStride(l), inputStride = InputStride(l), productStride = ProductStride(l);
            var perSample = new System.Collections.Generic.List<(string, long)> { (b.Input, l.InputLength), (b.Output, l.OutputLength) };
            if (b.Padded is not null && b.Stage == Stage.Forward) perSample.Add((b.Padded, l.PaddedLength));
            if (b.Padded is not null && b.Stage != Stage.Forward) BindCallScratch(w, (b.Padded, l.PaddedLength));
            BindCallScratch(w, ("wg", WinogradScratchLength(l)));
            w.Line("ref float wu = ref wgs;");
            w.Line($"ref float wv = ref {Unsafe}.Add(ref wgs, {I(Products * kernelStride)});");
            w.Line($"ref float wm = ref {Unsafe}.Add(ref wgs, {I(Products * (kernelStride + inputStride))});");
            w.Line("// U[ξ][oc][ic] = (G g Gᵀ)[ξ] of each 3×3 kernel g = w[oc, ic], once per call.");
            if (kernels >= 8)
            {
                // 8 kernels a step, the last step moved back to end at the last kernel (it writes equal values again).
                using (w.Open("if (global::System.Runtime.Intrinsics.X86.Avx2.IsSupported)"))
                using (w.Open($"for (int k = 0; k < {I(kernels)}; k = global::GenConv.Kernels.PoolWindows.Next(k, 8, {I(kernels)}))"))
                    w.Line($"global::GenConv.Kernels.Winograd.Kernels8(ref {Unsafe}.Add(ref {b.Weight}, k * 9), ref {Unsafe}.Add(ref wu, k), {I(kernelStride)});");
                w.Line("else");
            }
            using (w.Open($"for (int k = 0; k < {I(kernels)}; k++)"))
                w.Line($"global::GenConv.Kernels.Winograd.Kernel(ref {Unsafe}.Add(ref {b.Weight}, k * 9), ref {Unsafe}.Add(ref wu, k), {I(kernelStride)});");
            using (OpenSampleLoop(w, perSample.ToArray()))
            {
                string source = b.Input + "s";
                if (b.Padded is not null)
                {
                    w.Line("// The padded buffer's border stays zero from allocation on; only its interior is written.");
                    EmitRowCopy(w, l, b.Input + "s", b.Padded + "s", toPadded: true);
                    source = b.Padded + "s";
                }
                using (w.Open($"for (int th0 = 0; th0 < {I(tileRows)}; th0 += {I(blockRows)})"))
                {
                    if (tileRows % blockRows != 0)
                        w.Line($"if (th0 > {I(tileRows - blockRows)}) th0 = {I(tileRows - blockRows)}; // the last block overlaps its neighbour: its outputs are written, never added");
                    w.Line("// V[ξ][ic][tile] = Bᵀ d B of each input tile d of the block.");
                    using (w.Open($"for (int ic = 0; ic < {I(inputs)}; ic++)"))
                    using (w.Open($"for (int r = 0; r < {I(blockRows)}; r++)"))
                    {
                        w.Line($"ref float xr = ref {Unsafe}.Add(ref {source}, ic * {I(PlaneLength(l))} + (th0 + r) * {I(2L * rowStride)});");
                        w.Line($"ref float vr = ref {Unsafe}.Add(ref wv, ic * {I(block)} + r * {I(tileColumns)});");
                        EmitTileLoop(w, tileColumns,
                            $"global::GenConv.Kernels.Winograd.InputTiles16(ref {Unsafe}.Add(ref xr, 2 * tw), {I(rowStride)}, ref {Unsafe}.Add(ref vr, tw), {I(inputStride)});",
                            $"global::GenConv.Kernels.Winograd.InputTiles(ref {Unsafe}.Add(ref xr, 2 * tw), {I(rowStride)}, ref {Unsafe}.Add(ref vr, tw), {I(inputStride)});",
                            $"global::GenConv.Kernels.Winograd.InputTile(ref {Unsafe}.Add(ref xr, 2 * tw), {I(rowStride)}, ref {Unsafe}.Add(ref vr, tw), {I(inputStride)});");
                    }
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
                        $"global::GenConv.Kernels.Winograd.Merge({Out("y00", "bv")}, {Out("y01", "bv")}, ref {Unsafe}.Add(ref y0, 2 * tw));",
                        $"global::GenConv.Kernels.Winograd.Merge({Out("y10", "bv")}, {Out("y11", "bv")}, ref {Unsafe}.Add(ref y1, 2 * tw));",
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
