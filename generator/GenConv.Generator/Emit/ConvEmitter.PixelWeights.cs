using System;
using System.Linq;
using GenConv.Generator.Helpers;
using GenConv.Generator.Planning;

namespace GenConv.Generator.Emit
{
    /// <summary>
    /// Backward weights over pixel vectors (<see cref="LayerPlan.WeightGradientOverPixels"/>), for layers with too few
    /// output channels to fill a 512-bit vector but rows that do. Every weight sums in 16 lanes: lane ℓ of a row's vector
    /// at column col takes dY[oc, oh, col + ℓ] · X[ic, tap's row, col + ℓ + tap's column], in (sample, row, vector) order,
    /// and the lanes are reduced in LaneSum.Of16's fixed tree at the end. A row's last vector overlaps the one before
    /// rather than reading past the row, its lanes already counted taking dY as +0 (masked). One 512-bit vector, two
    /// 256-bit or four 128-bit vectors, or 16 floats hold the same lanes, so every path gives the same bits.
    /// A pass is one input channel, one kernel row and one tile of output channels; the lanes live in registers over a
    /// sample and in the part's scratch between samples (<see cref="LayerPlan.SampleParts"/>).
    /// </summary>
    internal sealed partial class ConvEmitter
    {
        private const int PixelLanes = LayerPlan.PixelLanes;

        private static int PixelWeightTiles(LayerPlan l) => Tiling(l.Output.Channels, l.PixelWeightChannelTile).Tiles;

        private static string PixelWeightSumsName(LayerPlan l, int channels) => $"Layer{l.Index}PixelWeightSums{channels}Channels";

        /// <summary>Whole vectors of a row before its tail, and the lanes of the overlapping tail vector already counted (0: no tail).</summary>
        private static (int Whole, int Counted) PixelVectors(LayerPlan l) =>
            (l.Output.Width / PixelLanes, l.Output.Width % PixelLanes == 0 ? 0 : PixelLanes - l.Output.Width % PixelLanes);

        /// <summary>A mask of the tail vector's lanes not yet counted, for the part whose first lane is <paramref name="firstLane"/>: all ones where lane ≥ <paramref name="counted"/>.</summary>
        private static string UncountedLanes(VectorFlavor f, string firstLane, int counted) =>
            $"{f.Api}.AsSingle({f.Api}.GreaterThanOrEqual(global::System.Runtime.Intrinsics.{f.Api}<int>.Indices + {f.Api}.Create({firstLane}), {f.Api}.Create({I(counted)})))";

        private static void EmitPixelWeightGradient(SourceWriter w, LayerPlan l)
        {
            int kh = l.Spec.KernelH, kw = l.Spec.KernelW, oc = l.Output.Channels;
            var (tiles, large, boundary) = Tiling(oc, l.PixelWeightChannelTile);
            int largeTiles = boundary / large;
            long pixels = (long)l.Output.Height * l.Output.Width;
            void DecodeUnit()
            {
                int rows = l.PixelWeightRows, groups = kh / rows;
                w.Line($"int t = u % {I(tiles)}, row = u / {I(tiles)} % {I(groups)}{(rows == 1 ? "" : $" * {I(rows)}")}, ic = u / {I((long)tiles * groups)};");
                w.Line($"bool large = t < {I(largeTiles)};");
                w.Line($"int oc0 = large ? t * {I(large)} : {I(boundary)} + (t - {I(largeTiles)}) * {I(large - 1)}, channels = large ? {I(large)} : {I(large - 1)};");
            }
            EmitSamplePartPasses(w, l, sample: () =>
            {
                w.Line($"ref float gn = ref {Unsafe}.Add(ref dy, n * {I(l.OutputLength)});");
                if (l.BiasCount == 0) return;
                // The bias's part is the sum of the part's dY alone, in the same lanes, carried on sample by sample: each
                // sample's dY is read here first, from memory, and then stays in L2 for the passes.
                w.Line($"ref float bl = ref {Unsafe}.Add(ref pa, {I(BiasScratchOffset(l))});");
                EmitPixelBiasGradient(w, l);
            }, pass: () =>
            {
                DecodeUnit();
                w.Line($"ref float xi = ref {Unsafe}.Add(ref xn, ic * {I(PlaneLength(l))} + row * {I(l.PaddedRowStride)});");
                w.Line($"ref float gi = ref {Unsafe}.Add(ref gn, oc0 * {I(pixels)});");
                w.Line($"ref float ai = ref {Unsafe}.Add(ref pa, ((ic * {I(kh)} + row) * {I((long)kw * oc)} + oc0) * {I(PixelLanes)});");
                if (large == 1 || boundary == oc)
                    w.Line($"{PixelWeightSumsName(l, large)}(first, ref xi, ref gi, ref ai);");
                else
                {
                    w.Line($"if (large) {PixelWeightSumsName(l, large)}(first, ref xi, ref gi, ref ai);");
                    w.Line($"else {PixelWeightSumsName(l, large - 1)}(first, ref xi, ref gi, ref ai);");
                }
            }, bias: null);
        }

        /// <summary>Each weight's lanes summed over the parts in part order, then reduced in LaneSum's fixed tree; written out OIHW.</summary>
        private static void EmitPixelFinishWeights(SourceWriter w, LayerPlan l)
        {
            int kh = l.Spec.KernelH, kw = l.Spec.KernelW, oc = l.Output.Channels;
            string perPart = I(WeightScratchPerPart(l)), parts = I(LayerPlan.SampleParts);
            using (w.Open($"for (int ic = 0; ic < {I(l.Input.Channels)}; ic++)"))
            using (w.Open($"for (int row = 0; row < {I(kh)}; row++)"))
            using (w.Open($"for (int c = 0; c < {I(kw)}; c++)"))
            using (w.Open($"for (int j = 0; j < {I(oc)}; j++)"))
                w.Line($"{Unsafe}.Add(ref dw, ((j * {I(l.Input.Channels)} + ic) * {I(kh)} + row) * {I(kw)} + c) = " +
                       $"global::GenConv.Kernels.LaneSum.Of16Parts(ref {Unsafe}.Add(ref acc, (((ic * {I(kh)} + row) * {I(kw)} + c) * {I(oc)} + j) * {I(PixelLanes)}), {perPart}, {parts});");
            if (l.BiasCount > 0)
                using (w.Open($"for (int j = 0; j < {I(oc)}; j++)"))
                    w.Line($"{Unsafe}.Add(ref db, j) = global::GenConv.Kernels.LaneSum.Of16Parts(ref {Unsafe}.Add(ref acc, {I(BiasScratchOffset(l))} + j * {I(PixelLanes)}), {perPart}, {parts});");
        }

        /// <summary>The lane sums of one unit over one sample: x at the unit's kernel row, g at its first channel of dY, acc at its first lanes.</summary>
        public static void EmitPixelWeightHelpers(SourceWriter w, LayerPlan l)
        {
            foreach (int channels in TileSizes(l.Output.Channels, l.PixelWeightChannelTile))
            {
                w.Line($"/// <summary>Layer {l.Index}: weight-gradient lanes of {channels} output channel(s) × {(l.PixelWeightRows == 1 ? "one kernel row" : $"{l.PixelWeightRows} kernel rows")} of one input channel over one sample.</summary>");
                w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
                using (w.Open($"private static void {PixelWeightSumsName(l, channels)}(bool first, ref float x, ref float g, ref float acc)"))
                {
                    EmitByFixedWidth(w, _ => true, f =>
                    {
                        if (f is null) EmitPixelWeightScalar(w, l, channels);
                        else EmitPixelWeightLanes(w, l, f, channels);
                    });
                }
                w.Line();
            }
        }

        /// <summary>
        /// The 16 lanes as 16 / width parts, each part a pass of its own (its lanes' sums never meet the others'):
        /// tiles of channels × the row's taps in registers, per pixel vector one dY load per channel and one X load per tap.
        /// </summary>
        private static void EmitPixelWeightLanes(SourceWriter w, LayerPlan l, VectorFlavor f, int channels)
        {
            int kw = l.Spec.KernelW, oc = l.Output.Channels, ow = l.Output.Width, parts = PixelLanes / f.Lanes, rows = l.PixelWeightRows;
            long pixels = (long)l.Output.Height * ow;
            var (whole, counted) = PixelVectors(l);
            int tile = Math.Max(1, Math.Min(channels, l.PixelWeightChannels(rows, LayerPlan.VectorRegisters(f.Lanes))));
            using (w.Open(parts == 1 ? "" : $"for (int p = 0; p < {I(parts)}; p++)"))
            {
                string part = parts == 1 ? "0" : $"p * {I(f.Lanes)}";
                if (counted > 0)
                    w.Line($"{f.Type} counted = {UncountedLanes(f, part, counted)};");
                w.Line($"ref float xq = ref {Unsafe}.Add(ref x, {part});");
                w.Line($"ref float gq = ref {Unsafe}.Add(ref g, {part});");
                w.Line($"ref float aq = ref {Unsafe}.Add(ref acc, {part});");
                EmitTiles(w, "j0", channels, tile, count =>
                {
                    // Tap (r, c) of the unit is its kernel row r's column c; its lanes sit where the layout puts that tap.
                    var taps = Enumerable.Range(0, rows * kw).Select(t => (R: t / kw, C: t % kw)).ToArray();
                    string Acc((int R, int C) tap, int j) => rows == 1 ? $"a{tap.C}_{j}" : $"a{tap.R}_{tap.C}_{j}";
                    string AccOffset((int R, int C) tap, int j) => $"({I(((long)tap.R * kw + tap.C) * oc + j)} + j0) * {I(PixelLanes)}";
                    foreach (var tap in taps)
                        for (int j = 0; j < count; j++)
                            w.Line($"{f.Type} {Acc(tap, j)} = first ? {f.Type}.Zero : {f.Api}.LoadUnsafe(ref aq, (nuint)({AccOffset(tap, j)}));");
                    for (int j = 0; j < count; j++) w.Line($"{f.Type} g{j};");
                    w.Line($"{f.Type} v;");
                    using (w.Open($"for (int oh = 0; oh < {I(l.Output.Height)}; oh++)"))
                    {
                        w.Line($"ref float xr = ref {Unsafe}.Add(ref xq, oh * {I((long)l.Spec.StrideH * l.PaddedRowStride)});");
                        w.Line($"ref float gr = ref {Unsafe}.Add(ref gq, oh * {I(ow)} + j0 * {I(pixels)});");
                        void Step(bool tail)
                        {
                            for (int j = 0; j < count; j++)
                            {
                                string load = $"{f.Api}.LoadUnsafe(ref gr, (nuint)(col + {I(j * pixels)}))";
                                w.Line($"g{j} = {(tail ? $"{load} & counted" : load)};");
                            }
                            foreach (var tap in taps)
                            {
                                w.Line($"v = {f.Api}.LoadUnsafe(ref xr, (nuint)(col + {I(tap.R * l.PaddedRowStride + l.ColumnOffset(tap.C))}));");
                                for (int j = 0; j < count; j++)
                                    w.Line($"{Acc(tap, j)} = {f.Api}.FusedMultiplyAdd(g{j}, v, {Acc(tap, j)});");
                            }
                        }
                        using (w.Open(whole == 1 ? "" : $"for (int col = 0; col < {I(whole * PixelLanes)}; col += {I(PixelLanes)})"))
                        {
                            if (whole == 1) w.Line("const int col = 0;");
                            Step(tail: false);
                        }
                        if (counted > 0)
                            using (w.Open(""))
                            {
                                w.Line($"const int col = {I(ow - PixelLanes)};");
                                Step(tail: true);
                            }
                    }
                    foreach (var tap in taps)
                        for (int j = 0; j < count; j++)
                            w.Line($"{f.Api}.StoreUnsafe({Acc(tap, j)}, ref aq, (nuint)({AccOffset(tap, j)}));");
                });
            }
        }

        /// <summary>No SIMD: the same 16 lanes' chains, one float at a time.</summary>
        private static void EmitPixelWeightScalar(SourceWriter w, LayerPlan l, int channels)
        {
            int ow = l.Output.Width;
            long pixels = (long)l.Output.Height * ow;
            var (whole, counted) = PixelVectors(l);
            using (w.Open($"for (int j = 0; j < {I(channels)}; j++)"))
            using (w.OpenIf(l.PixelWeightRows > 1, $"for (int r = 0; r < {I(l.PixelWeightRows)}; r++)"))
            using (w.Open($"for (int c = 0; c < {I(l.Spec.KernelW)}; c++)"))
            using (w.Open($"for (int lane = 0; lane < {I(PixelLanes)}; lane++)"))
            {
                bool rowLoop = l.PixelWeightRows > 1;
                string tap = rowLoop ? $"(r * {I(l.Spec.KernelW)} + c)" : "c", row = rowLoop ? $"r * {I(l.PaddedRowStride)} + " : "";
                w.Line($"ref float at = ref {Unsafe}.Add(ref acc, ({tap} * {I(l.Output.Channels)} + j) * {I(PixelLanes)} + lane);");
                w.Line($"ref float xt = ref {Unsafe}.Add(ref x, {row}{PhaseColumn(l, "c")} + lane);");
                w.Line($"ref float gt = ref {Unsafe}.Add(ref g, j * {I(pixels)} + lane);");
                w.Line("float s = first ? 0f : at;");
                using (w.Open($"for (int oh = 0; oh < {I(l.Output.Height)}; oh++)"))
                {
                    w.Line($"ref float xr = ref {Unsafe}.Add(ref xt, oh * {I((long)l.Spec.StrideH * l.PaddedRowStride)});");
                    w.Line($"ref float gr = ref {Unsafe}.Add(ref gt, oh * {I(ow)});");
                    using (w.Open($"for (int col = 0; col < {I(whole * PixelLanes)}; col += {I(PixelLanes)})"))
                        w.Line($"s = MathF.FusedMultiplyAdd({Unsafe}.Add(ref gr, col), {Unsafe}.Add(ref xr, col), s);");
                    if (counted > 0)
                        w.Line($"s = MathF.FusedMultiplyAdd(lane < {I(counted)} ? 0f : {Unsafe}.Add(ref gr, {I(ow - PixelLanes)}), {Unsafe}.Add(ref xr, {I(ow - PixelLanes)}), s);");
                }
                w.Line("at = s;");
            }
        }

        /// <summary>
        /// Sample <c>n</c>'s share of the bias's lanes for its part: Σ dY[oc] over the sample's pixels added to the part's
        /// lanes (adds, not fused; a part's first sample starts them at +0), in the weights' 16 lanes, on every path.
        /// Channels go 8 at a time, so a wide layer's sums stay in registers.
        /// </summary>
        private static void EmitPixelBiasGradient(SourceWriter w, LayerPlan l)
        {
            int oc = l.Output.Channels, ow = l.Output.Width;
            long pixels = (long)l.Output.Height * ow;
            var (whole, counted) = PixelVectors(l);
            EmitByFixedWidth(w, _ => true, f =>
            {
                if (f is null)
                {
                    using (w.Open($"for (int j = 0; j < {I(oc)}; j++)"))
                    using (w.Open($"for (int lane = 0; lane < {I(PixelLanes)}; lane++)"))
                    {
                        w.Line($"ref float bt = ref {Unsafe}.Add(ref bl, j * {I(PixelLanes)} + lane);");
                        w.Line("float s = first ? 0f : bt;");
                        using (w.Open($"for (int oh = 0; oh < {I(l.Output.Height)}; oh++)"))
                        {
                            w.Line($"ref float gr = ref {Unsafe}.Add(ref gn, j * {I(pixels)} + oh * {I(ow)} + lane);");
                            using (w.Open($"for (int col = 0; col < {I(whole * PixelLanes)}; col += {I(PixelLanes)})"))
                                w.Line($"s += {Unsafe}.Add(ref gr, col);");
                            if (counted > 0)
                                w.Line($"s += lane < {I(counted)} ? 0f : {Unsafe}.Add(ref gr, {I(ow - PixelLanes)});");
                        }
                        w.Line("bt = s;");
                    }
                    return;
                }
                using (w.Open($"for (int p = 0; p < {I(PixelLanes)}; p += {I(f.Lanes)})"))
                {
                    if (counted > 0)
                        w.Line($"{f.Type} counted = {UncountedLanes(f, "p", counted)};");
                    EmitTiles(w, "j0", oc, 8, count =>
                    {
                        string Lanes(int j) => $"(nuint)((j0 + {I(j)}) * {I(PixelLanes)} + p)";
                        for (int j = 0; j < count; j++)
                            w.Line($"{f.Type} s{j} = first ? {f.Type}.Zero : {f.Api}.LoadUnsafe(ref bl, {Lanes(j)});");
                        using (w.Open($"for (int oh = 0; oh < {I(l.Output.Height)}; oh++)"))
                        {
                            w.Line($"ref float gr = ref {Unsafe}.Add(ref gn, j0 * {I(pixels)} + oh * {I(ow)} + p);");
                            using (w.Open($"for (int col = 0; col < {I(whole * PixelLanes)}; col += {I(PixelLanes)})"))
                                for (int j = 0; j < count; j++)
                                    w.Line($"s{j} += {f.Api}.LoadUnsafe(ref gr, (nuint)(col + {I(j * pixels)}));");
                            if (counted > 0)
                                for (int j = 0; j < count; j++)
                                    w.Line($"s{j} += {f.Api}.LoadUnsafe(ref gr, (nuint){I(ow - PixelLanes + j * pixels)}) & counted;");
                        }
                        for (int j = 0; j < count; j++)
                            w.Line($"{f.Api}.StoreUnsafe(s{j}, ref bl, {Lanes(j)});");
                    });
                }
            });
        }
    }
}
