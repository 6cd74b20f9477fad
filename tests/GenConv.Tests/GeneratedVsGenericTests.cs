using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Text;
using GenConv.Kernels;
using GenConv.Model;
using GenConv.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GenConv.Tests
{
    /// <summary>
    /// The matrix of shapes: every layer kind; kernels from 1 to the input size; strides 1–3 including stride &gt; kernel;
    /// symmetric and asymmetric padding; 1, 3 and many channels; odd sizes; output widths at, below and above
    /// multiples of the vector width; output channels around the 6-channel register tile; windows large enough
    /// to leave full unrolling. All are compiled by the real generator once, then compared at batch 1, 3 (a part of the
    /// batch with no samples: weight gradients sum over 4 fixed parts) and 9 (parts of 2 and 3 samples, whose sums carry
    /// over from one sample to the next).
    /// </summary>
    public sealed class ModelMatrixFixture
    {
        public static readonly (string Input, string Layers)[] Cases =
        {
            // Convolution: kernel 1 .. input size.
            ("1, 7, 7", "[Conv2D(OutChannels = 2, Kernel = 1)]"),
            ("1, 7, 7", "[Conv2D(OutChannels = 2, Kernel = 2)]"),
            ("1, 7, 7", "[Conv2D(OutChannels = 2, Kernel = 3)]"),
            ("1, 7, 7", "[Conv2D(OutChannels = 2, Kernel = 5)]"),
            ("1, 7, 7", "[Conv2D(OutChannels = 2, Kernel = 7)]"),
            // Strides, including stride > kernel.
            ("1, 9, 9", "[Conv2D(OutChannels = 3, Kernel = 3, Stride = 2)]"),
            ("1, 9, 9", "[Conv2D(OutChannels = 3, Kernel = 3, Stride = 3)]"),
            ("2, 10, 11", "[Conv2D(OutChannels = 3, Kernel = 2, Stride = 3)]"),
            ("3, 11, 10", "[Conv2D(OutChannels = 5, Kernel = 3, Stride = 2, Padding = 1)]"),
            ("2, 9, 12", "[Conv2D(OutChannels = 4, KernelH = 3, KernelW = 2, StrideH = 2, StrideW = 1)]"),
            // Backward data by phases: vector tails, the last row only some phases have, stride 3, kernel = stride, and the
            // fallbacks to the scatter kernel (25 phases; 144 taps).
            ("3, 37, 41", "[Conv2D(OutChannels = 5, Kernel = 3, Stride = 2, Padding = 1)]"),
            ("2, 11, 50", "[Conv2D(OutChannels = 3, Kernel = 5, Stride = 3, Padding = 2)]"),
            ("1, 9, 34", "[Conv2D(OutChannels = 2, Kernel = 2, StrideH = 1, StrideW = 2)]"),
            ("1, 30, 40", "[Conv2D(OutChannels = 2, Kernel = 11, Stride = 4, Padding = 2)]"),
            ("1, 11, 11", "[Conv2D(OutChannels = 2, Kernel = 3, Stride = 5)]"),
            ("2, 20, 21", "[Conv2D(OutChannels = 2, Kernel = 12, Stride = 2, Padding = 1)]"),
            // Padding: symmetric, larger than half the kernel, asymmetric.
            ("3, 8, 8", "[Conv2D(OutChannels = 4, Kernel = 3, Padding = 1)]"),
            ("3, 8, 8", "[Conv2D(OutChannels = 4, Kernel = 5, Padding = 2)]"),
            ("1, 6, 6", "[Conv2D(OutChannels = 2, Kernel = 3, Padding = 3)]"),
            ("2, 7, 9", "[Conv2D(OutChannels = 3, Kernel = 3, PadTop = 1, PadBottom = 0, PadLeft = 2, PadRight = 1)]"),
            ("2, 7, 9", "[Conv2D(OutChannels = 3, KernelH = 2, KernelW = 4, StrideW = 2, PadTop = 0, PadBottom = 2, PadLeft = 1, PadRight = 0)]"),
            // Channels around the output-channel tile (6) and the padded channel vectors of backward weights (4, 8, 16).
            ("1, 6, 6", "[Conv2D(OutChannels = 1, Kernel = 3)]"),
            ("3, 6, 6", "[Conv2D(OutChannels = 3, Kernel = 3)]"),
            ("3, 6, 6", "[Conv2D(OutChannels = 4, Kernel = 3)]"),
            ("3, 6, 6", "[Conv2D(OutChannels = 5, Kernel = 3)]"),
            ("16, 6, 6", "[Conv2D(OutChannels = 8, Kernel = 3, Padding = 1)]"),
            ("16, 6, 6", "[Conv2D(OutChannels = 9, Kernel = 3, Bias = false)]"),
            ("16, 5, 5", "[Conv2D(OutChannels = 11, Kernel = 1)]"), // dY transposed in 8×8 blocks: a pair, a single block, then leftover channels and pixels
            // Backward weights over pixel vectors (under 16 channels, rows of 16 or more): tiles of channels of two sizes;
            // a 12-wide kernel with a vertical stride, several input channels and no bias; 15 channels of 1×1 in one tile
            // (three on narrower vectors). Rows of 16, 17 and 35 (widths below), stride 2 and 3 (above) and LeNet take it too.
            ("2, 5, 20", "[Conv2D(OutChannels = 7, Kernel = 5, Padding = 2)]"),
            ("3, 7, 33", "[Conv2D(OutChannels = 2, KernelH = 3, KernelW = 12, StrideH = 2, Bias = false)]"),
            ("1, 3, 48", "[Conv2D(OutChannels = 15, Kernel = 1)]"),
            // ... with units of several kernel rows, once a sample's dY outgrows L1 (32 KB): few input channels × taps over
            // rows of whole vectors (3 rows, tiles of 3 and 2 channels; 2 rows of a 2×3 kernel, tiles of 4 and 3; a vertical
            // stride), and under 16 channels with a masked row tail.
            ("3, 18, 32", "[Conv2D(OutChannels = 22, Kernel = 3, Padding = 1)]"),
            ("2, 17, 32", "[Conv2D(OutChannels = 17, KernelH = 2, KernelW = 3, Padding = 1)]"),
            ("1, 40, 32", "[Conv2D(OutChannels = 24, Kernel = 3, StrideH = 2, Padding = 1)]"),
            ("2, 40, 40", "[Conv2D(OutChannels = 6, Kernel = 3)]"),
            // Output widths around Vector<float>.Count (8 or 16): 7, 8, 9, 15, 16, 17, 33.
            ("2, 4, 9", "[Conv2D(OutChannels = 3, Kernel = 3)]"),
            ("2, 4, 10", "[Conv2D(OutChannels = 3, Kernel = 3)]"),
            ("2, 4, 11", "[Conv2D(OutChannels = 3, Kernel = 3)]"),
            ("2, 4, 17", "[Conv2D(OutChannels = 3, Kernel = 3)]"),
            ("2, 4, 18", "[Conv2D(OutChannels = 3, Kernel = 3)]"),
            ("2, 4, 19", "[Conv2D(OutChannels = 3, Kernel = 3)]"),
            ("2, 4, 35", "[Conv2D(OutChannels = 3, Kernel = 3, Padding = 1)]"),
            // Rows ending in two overlapping vector pairs on 8 lanes (25 and 31 pixels; 7 channels in tiles of 4 and 3).
            ("2, 5, 27", "[Conv2D(OutChannels = 3, Kernel = 3)]"),
            ("3, 4, 33", "[Conv2D(OutChannels = 7, Kernel = 3)]"),
            // Odd sizes and the reference workloads' shapes.
            ("5, 13, 7", "[Conv2D(OutChannels = 7, Kernel = 3, Stride = 2, Padding = 1)]"),
            ("6, 14, 14", "[Conv2D(OutChannels = 16, Kernel = 5)]"),
            ("16, 12, 12", "[Conv2D(OutChannels = 32, Kernel = 3, Stride = 2, Padding = 1)]"),
            // Vectors over 16 output channels (rows under 16 wide; AVX2 takes a row in groups of up to 6 pixels): rows of 13
            // (groups of 5, 4, 4), 9 (5, 4) and 7 (4, 3); two blocks of 16 channels, no bias, a fused ReLU.
            ("3, 9, 15", "[Conv2D(OutChannels = 32, Kernel = 3, Bias = false)] [ReLU]"),
            ("2, 5, 9", "[Conv2D(OutChannels = 16, Kernel = 3, Padding = 1)]"),
            ("4, 8, 7", "[Conv2D(OutChannels = 16, Kernel = 1)]"),
            // Windows past the unroll budget: row-unrolled and loop forms.
            ("1, 20, 20", "[Conv2D(OutChannels = 4, Kernel = 12)]"),
            ("1, 34, 34", "[Conv2D(OutChannels = 4, Kernel = 33)]"),
            // Max pooling.
            ("3, 8, 8", "[MaxPool2D(Kernel = 2)]"),
            ("2, 9, 9", "[MaxPool2D(Kernel = 3, Stride = 2)]"),
            ("2, 7, 7", "[MaxPool2D(Kernel = 3, Stride = 1)]"),
            ("2, 8, 8", "[MaxPool2D(Kernel = 2, Stride = 3)]"),
            ("2, 7, 8", "[MaxPool2D(Kernel = 3, Stride = 2, Padding = 1)]"),
            ("1, 7, 9", "[MaxPool2D(KernelH = 3, KernelW = 2, StrideH = 1, StrideW = 2, PadH = 1, PadW = 1)]"),
            ("1, 5, 5", "[MaxPool2D(Kernel = 5)]"),
            // 2×2 stride 2 (the vectorized row-pair path): rows of 18 outputs (two vectors and a tail), odd sizes left over.
            ("2, 9, 37", "[MaxPool2D(Kernel = 2)]"),
            // Windows other than 2×2 stride 2 whose rows hold 8 or more whole windows (the vector path) and border ones.
            ("2, 6, 40", "[MaxPool2D(Kernel = 3, Stride = 1, Padding = 1)]"),
            ("2, 7, 35", "[MaxPool2D(Kernel = 3, Stride = 2)]"),
            ("1, 8, 50", "[MaxPool2D(KernelH = 2, KernelW = 5, StrideH = 1, StrideW = 2, PadH = 1, PadW = 2)]"),
            ("2, 7, 35", "[AvgPool2D(Kernel = 3, Stride = 2)]"),
            ("2, 9, 41", "[AvgPool2D(Kernel = 3, Stride = 2, Padding = 1)]"),
            ("1, 6, 44", "[AvgPool2D(Kernel = 3, Stride = 1, Padding = 1, CountIncludePad = false)]"),
            ("1, 5, 30", "[AvgPool2D(KernelH = 2, KernelW = 4, StrideH = 2, StrideW = 1, PadH = 1, PadW = 2, CountIncludePad = false)]"),
            // Average pooling, with and without padding counted.
            ("3, 8, 8", "[AvgPool2D(Kernel = 2)]"),
            ("2, 9, 37", "[AvgPool2D(Kernel = 2)]"),
            ("2, 9, 9", "[AvgPool2D(Kernel = 3, Stride = 2)]"),
            ("2, 7, 8", "[AvgPool2D(Kernel = 3, Stride = 2, Padding = 1)]"),
            ("2, 7, 8", "[AvgPool2D(Kernel = 3, Stride = 2, Padding = 1, CountIncludePad = false)]"),
            ("1, 7, 9", "[AvgPool2D(KernelH = 3, KernelW = 2, Stride = 1, PadH = 1, PadW = 1, CountIncludePad = false)]"),
            // Dense: outputs around the 4-row tile, inputs around the vector width, implicit flatten, no bias.
            ("1, 1, 1", "[Dense(OutFeatures = 1)]"),
            ("7, 1, 1", "[Dense(OutFeatures = 3)]"),
            ("8, 1, 1", "[Dense(OutFeatures = 4)]"),
            ("9, 1, 1", "[Dense(OutFeatures = 5)]"),
            ("17, 1, 1", "[Dense(OutFeatures = 10, Bias = false)]"),
            ("16, 5, 5", "[Dense(OutFeatures = 12)]"),
            // Activations, after a layer that produces negative values.
            ("2, 5, 5", "[Conv2D(OutChannels = 3, Kernel = 2)] [ReLU]"),
            ("2, 5, 5", "[Conv2D(OutChannels = 3, Kernel = 2)] [LeakyReLU(Slope = 0.2f)]"),
            ("2, 5, 5", "[Conv2D(OutChannels = 3, Kernel = 2)] [Sigmoid]"),
            ("2, 5, 5", "[Conv2D(OutChannels = 3, Kernel = 2)] [Tanh]"),
            ("12, 1, 1", "[LeakyReLU]"),
            ("37, 1, 1", "[ReLU]"),
            ("37, 1, 1", "[LeakyReLU(Slope = 0.25f)]"),
            // Fused activations: a rectifier applied by the conv or dense kernel that stores its input; a ReLU's backward
            // applied by the max pool or dense layer after it (pairwise, odd-sized and overlapping windows; vector tails).
            ("3, 6, 8", "[Conv2D(OutChannels = 4, Kernel = 2)] [ReLU] [MaxPool2D(Kernel = 2)] [Dense(OutFeatures = 5)] [ReLU] [Dense(OutFeatures = 3)]"),
            ("2, 9, 9", "[Conv2D(OutChannels = 3, Kernel = 2)] [ReLU] [MaxPool2D(Kernel = 3, Stride = 2, Padding = 1)] [Dense(OutFeatures = 4)]"),
            ("1, 40, 1", "[Dense(OutFeatures = 37)] [ReLU] [Dense(OutFeatures = 19)] [LeakyReLU(Slope = 0.5f)] [Dense(OutFeatures = 2)]"),
            ("2, 6, 6", "[Dense(OutFeatures = 17)] [LeakyReLU(Slope = -0.5f)] [Dense(OutFeatures = 4)]"),
            // A ReLU's backward fused into the max pool after it. A first layer's ReLU is never fused (its dX is the model's,
            // which a caller may not ask for), so an exact layer goes first.
            ("2, 9, 37", "[LeakyReLU(Slope = 0.25f)] [ReLU] [MaxPool2D(Kernel = 2)]"),
            ("2, 10, 11", "[LeakyReLU(Slope = 0.25f)] [ReLU] [MaxPool2D(Kernel = 2)]"),
            ("2, 10, 11", "[MaxPool2D(Kernel = 2)]"),
            ("2, 10, 11", "[AvgPool2D(Kernel = 2)]"),
            ("2, 9, 37", "[LeakyReLU(Slope = 0.25f)] [ReLU] [MaxPool2D(Kernel = 3, Stride = 2, Padding = 1)]"),
            // Whole models: LeNet-5 (M1) and a small VGG-like chain.
            ("1, 28, 28", "[Conv2D(OutChannels = 6, Kernel = 5, Padding = 2)] [ReLU] [MaxPool2D(Kernel = 2)] [Conv2D(OutChannels = 16, Kernel = 5)] [ReLU] [MaxPool2D(Kernel = 2)] [Dense(OutFeatures = 120)] [ReLU] [Dense(OutFeatures = 84)] [ReLU] [Dense(OutFeatures = 10)]"),
            ("3, 12, 12", "[Conv2D(OutChannels = 8, Kernel = 3, Padding = 1)] [ReLU] [Conv2D(OutChannels = 8, Kernel = 3, Padding = 1)] [Tanh] [AvgPool2D(Kernel = 2)] [Conv2D(OutChannels = 5, Kernel = 3, Stride = 2, Padding = 1)] [Sigmoid] [Dense(OutFeatures = 6)]"),
            // Winograd F(2×2, 3×3): tile rows under 8 tiles (one at a time) and of 8 or more (8 at a time, the last step
            // overlapping); blocks of tile rows that divide the rows and that overlap at the end; valid convolutions (backward
            // data padded by 2), asymmetric padding (backward data with odd sides, so direct), no bias, fused rectifiers.
            ("3, 8, 8", "[Conv2D(OutChannels = 4, Kernel = 3, Padding = 1, Winograd = true)]"),
            ("5, 18, 34", "[Conv2D(OutChannels = 7, Kernel = 3, Padding = 1, Winograd = true)]"),
            ("2, 20, 34", "[Conv2D(OutChannels = 3, Kernel = 3, Padding = 1, Winograd = true)] [ReLU]"),
            ("4, 10, 18", "[Conv2D(OutChannels = 6, Kernel = 3, Winograd = true)]"),
            ("2, 7, 9", "[Conv2D(OutChannels = 3, Kernel = 3, PadTop = 1, PadBottom = 0, PadLeft = 1, PadRight = 0, Winograd = true)]"),
            ("6, 16, 16", "[Conv2D(OutChannels = 13, Kernel = 3, Padding = 1, Bias = false, Winograd = true)] [LeakyReLU(Slope = 0.2f)]"),
            ("32, 8, 40", "[Conv2D(OutChannels = 20, Kernel = 3, Padding = 1, Winograd = true)]"),
            ("3, 16, 16", "[Conv2D(OutChannels = 8, Kernel = 3, Padding = 1, Winograd = true)] [ReLU] [Conv2D(OutChannels = 16, Kernel = 3, Padding = 1, Winograd = true)] [ReLU] [MaxPool2D(Kernel = 2)] [Dense(OutFeatures = 5)]"),
            // A ReLU's backward fused into the convolution after it, on each of its backward-data paths: the transposed
            // convolution (above: the VGG-like chain and the Winograd one), the phase gather and the scatter.
            ("2, 9, 9", "[Conv2D(OutChannels = 3, Kernel = 2)] [ReLU] [Conv2D(OutChannels = 4, Kernel = 3, Stride = 2, Padding = 1)]"),
            ("2, 6, 6", "[Conv2D(OutChannels = 3, Kernel = 2)] [ReLU] [Conv2D(OutChannels = 2, Kernel = 3, Padding = 3)]"),
            // Pooling windows past the unroll budget, forward and backward 8 windows at a time: a loop over kernel rows
            // with unrolled columns (29 windows a row: 3 vector steps and 5 alone), and loops over both.
            ("1, 14, 40", "[MaxPool2D(Kernel = 12, Stride = 1)]"),
            ("1, 2, 150", "[AvgPool2D(KernelH = 1, KernelW = 130, Stride = 1)]"),
            // A ReLU's backward fused into the average pool after it, on each plane's dX: row pairs, and windows 8 at a time.
            ("2, 9, 37", "[LeakyReLU(Slope = 0.25f)] [ReLU] [AvgPool2D(Kernel = 2)]"),
            ("2, 9, 41", "[LeakyReLU(Slope = 0.25f)] [ReLU] [AvgPool2D(Kernel = 3, Stride = 2, Padding = 1)]"),
            ("2, 10, 12", "[Conv2D(OutChannels = 4, Kernel = 3, Padding = 1)] [ReLU] [AvgPool2D(Kernel = 3, Stride = 1, Padding = 1, CountIncludePad = false)] [Dense(OutFeatures = 3)]"),
            // 2×2 pools in runs of row pairs, rows of 4 to 7 windows two row pairs to a 256-bit step: runs of 3 row pairs at
            // batch 1 (a step of two and one alone), and odd heights (a run per plane, the last row uncovered).
            ("1, 6, 12", "[MaxPool2D(Kernel = 2)]"),
            ("1, 6, 15", "[LeakyReLU(Slope = 0.25f)] [ReLU] [MaxPool2D(Kernel = 2)]"),
            ("3, 7, 9", "[AvgPool2D(Kernel = 2)]"),
            // The phase gather storing dX rows itself, its two column phases interleaved in registers: 24 positions a row
            // (a 512-bit vector and 8 alone, or three 256-bit ones), and 16 after a ReLU whose backward it applies.
            ("3, 10, 48", "[Conv2D(OutChannels = 4, Kernel = 3, Stride = 2, Padding = 1)]"),
            ("2, 9, 33", "[Conv2D(OutChannels = 3, Kernel = 2)] [ReLU] [Conv2D(OutChannels = 4, Kernel = 3, Stride = 2, Padding = 1)]"),
            // Pooling windows 8 at a time at column strides 3 and 4 (every third or fourth float gathered by shuffles):
            // tiling, overlapping and gapped windows, padded or not, counted or not, and after a fused ReLU.
            ("2, 7, 70", "[MaxPool2D(Kernel = 3, Stride = 3)]"),
            ("2, 9, 75", "[MaxPool2D(Kernel = 5, Stride = 4, Padding = 2)]"),
            ("1, 5, 60", "[MaxPool2D(Kernel = 2, Stride = 3)]"),
            ("1, 6, 80", "[AvgPool2D(Kernel = 3, Stride = 3, Padding = 1, CountIncludePad = false)]"),
            ("2, 8, 70", "[AvgPool2D(KernelH = 2, KernelW = 4, StrideH = 2, StrideW = 4)]"),
            ("2, 9, 52", "[LeakyReLU(Slope = 0.25f)] [ReLU] [MaxPool2D(Kernel = 3, Stride = 3)]"),
            ("2, 9, 70", "[LeakyReLU(Slope = 0.25f)] [ReLU] [AvgPool2D(KernelH = 3, KernelW = 6, StrideH = 2, StrideW = 4, PadH = 1, PadW = 3)]"),
            // Column strides above 4: 8 windows at a time, each tap's 8 floats loaded one by one.
            ("2, 6, 95", "[MaxPool2D(Kernel = 3, Stride = 5)]"),
            ("1, 7, 110", "[AvgPool2D(Kernel = 7, Stride = 6, Padding = 2, CountIncludePad = false)]"),
            ("2, 9, 140", "[LeakyReLU(Slope = 0.25f)] [ReLU] [MaxPool2D(KernelH = 2, KernelW = 8, StrideH = 2, StrideW = 8)]"),
            // Sigmoid and tanh after a Winograd convolution, a direct one (rows of 18: vectors and a tail) and dense layers.
            ("2, 12, 36", "[Conv2D(OutChannels = 6, Kernel = 3, Padding = 1, Winograd = true)] [Tanh] [Conv2D(OutChannels = 3, Kernel = 3)] [Sigmoid]"),
            ("1, 1, 37", "[Dense(OutFeatures = 19)] [Sigmoid] [Dense(OutFeatures = 7)] [Tanh]"),
        };

        public ModelMatrixFixture()
        {
            var source = new StringBuilder("using GenConv;\nnamespace Matrix\n{\n");
            for (int i = 0; i < Cases.Length; i++)
                source.Append($"    [GenConvModel({Cases[i].Input})] {Cases[i].Layers}\n    public partial class Case{i} {{ }}\n");
            source.Append("}\n");
            Assembly = GeneratorHarness.CompileAndLoad(source.ToString());
        }

        public Assembly Assembly { get; }
    }

    public sealed class GeneratedVsGenericTests : IClassFixture<ModelMatrixFixture>
    {
        private readonly ModelMatrixFixture fixture;
        private readonly ITestOutputHelper output;

        public GeneratedVsGenericTests(ModelMatrixFixture fixture, ITestOutputHelper output)
        {
            this.fixture = fixture;
            this.output = output;
        }

        public static IEnumerable<object[]> CaseIndices() => Enumerable.Range(0, ModelMatrixFixture.Cases.Length).Select(i => new object[] { i });

        [Theory]
        [MemberData(nameof(CaseIndices))]
        public void GeneratedMatchesGenericForwardAndBackward(int caseIndex)
        {
            const int maxBatch = 9;
            IGenConvModel generated = GeneratorHarness.Create(fixture.Assembly, $"Matrix.Case{caseIndex}", maxBatch, seed: caseIndex);
            double worst = 0;
            foreach (int batch in new[] { 1, 3, maxBatch })
                worst = Math.Max(worst, CompareWithGeneric(generated, batch, seed: caseIndex * 10 + batch));
            output.WriteLine($"Case {caseIndex} {ModelMatrixFixture.Cases[caseIndex]}: worst relative error {worst:E3}");
        }

        /// <summary>
        /// The vectorized pools (2×2 row pairs, and other windows 8 at a time at every column stride, forward and backward) and ReLU, and a ReLU's backward fused into the max or average pool after it, against the naive
        /// kernels bit for bit on the values where the rules matter: ties (the first maximum wins), NaN (wins), ±0 (the
        /// first of equal zeros wins; gradients add to +0; a masked gradient is +0), ±∞.
        /// </summary>
        [Theory]
        [InlineData("2, 9, 37", "[MaxPool2D(Kernel = 2)]")] // 18 windows a row: vectors of 8, the last overlapping
        [InlineData("2, 9, 37", "[AvgPool2D(Kernel = 2)]")]
        [InlineData("2, 10, 11", "[MaxPool2D(Kernel = 2)]")] // 5 windows a row: vectors of 4, the last overlapping
        [InlineData("2, 10, 11", "[AvgPool2D(Kernel = 2)]")]
        [InlineData("1, 6, 12", "[MaxPool2D(Kernel = 2)]")] // 3 row pairs of 6 windows: two in one 256-bit step, one alone
        [InlineData("1, 6, 15", "[LeakyReLU(Slope = 0.25f)] [ReLU] [MaxPool2D(Kernel = 2)]")]
        [InlineData("3, 7, 9", "[AvgPool2D(Kernel = 2)]")]
        [InlineData("37, 1, 1", "[ReLU]")]
        [InlineData("37, 1, 1", "[LeakyReLU(Slope = 0.25f)]")]
        [InlineData("2, 9, 37", "[LeakyReLU(Slope = 0.25f)] [ReLU] [MaxPool2D(Kernel = 2)]")]
        [InlineData("2, 10, 11", "[LeakyReLU(Slope = 0.25f)] [ReLU] [MaxPool2D(Kernel = 2)]")]
        [InlineData("2, 9, 37", "[LeakyReLU(Slope = 0.25f)] [ReLU] [MaxPool2D(Kernel = 3, Stride = 2, Padding = 1)]")] // 17 inner windows a row: 8 at a time
        [InlineData("2, 6, 40", "[MaxPool2D(Kernel = 3, Stride = 1, Padding = 1)]")]
        [InlineData("2, 7, 35", "[MaxPool2D(Kernel = 3, Stride = 2)]")]
        [InlineData("1, 8, 50", "[MaxPool2D(KernelH = 2, KernelW = 5, StrideH = 1, StrideW = 2, PadH = 1, PadW = 2)]")]
        [InlineData("2, 7, 35", "[AvgPool2D(Kernel = 3, Stride = 2)]")]
        [InlineData("2, 9, 41", "[AvgPool2D(Kernel = 3, Stride = 2, Padding = 1)]")]
        [InlineData("1, 6, 44", "[AvgPool2D(Kernel = 3, Stride = 1, Padding = 1, CountIncludePad = false)]")]
        [InlineData("1, 5, 30", "[AvgPool2D(KernelH = 2, KernelW = 4, StrideH = 2, StrideW = 1, PadH = 1, PadW = 2, CountIncludePad = false)]")]
        [InlineData("1, 14, 40", "[MaxPool2D(Kernel = 12, Stride = 1)]")]
        [InlineData("2, 9, 37", "[LeakyReLU(Slope = 0.25f)] [ReLU] [AvgPool2D(Kernel = 2)]")]
        [InlineData("2, 9, 41", "[LeakyReLU(Slope = 0.25f)] [ReLU] [AvgPool2D(Kernel = 3, Stride = 2, Padding = 1)]")]
        [InlineData("1, 2, 150", "[AvgPool2D(KernelH = 1, KernelW = 130, Stride = 1)]")]
        [InlineData("2, 7, 70", "[MaxPool2D(Kernel = 3, Stride = 3)]")] // 23 windows a row: 8 at a time, every third float
        [InlineData("2, 9, 75", "[MaxPool2D(Kernel = 5, Stride = 4, Padding = 2)]")]
        [InlineData("2, 6, 95", "[MaxPool2D(Kernel = 3, Stride = 5)]")] // 19 windows a row: every fifth float, one by one
        [InlineData("1, 7, 110", "[AvgPool2D(Kernel = 7, Stride = 6, Padding = 2, CountIncludePad = false)]")]
        [InlineData("1, 5, 60", "[MaxPool2D(Kernel = 2, Stride = 3)]")]
        [InlineData("1, 6, 80", "[AvgPool2D(Kernel = 3, Stride = 3, Padding = 1, CountIncludePad = false)]")]
        [InlineData("2, 8, 70", "[AvgPool2D(KernelH = 2, KernelW = 4, StrideH = 2, StrideW = 4)]")]
        [InlineData("2, 9, 52", "[LeakyReLU(Slope = 0.25f)] [ReLU] [MaxPool2D(Kernel = 3, Stride = 3)]")]
        [InlineData("2, 9, 70", "[LeakyReLU(Slope = 0.25f)] [ReLU] [AvgPool2D(KernelH = 3, KernelW = 6, StrideH = 2, StrideW = 4, PadH = 1, PadW = 3)]")]
        public void VectorizedPoolsAndActivationsFollowTheScalarRulesBitForBit(string input, string layer)
        {
            int caseIndex = Array.FindIndex(ModelMatrixFixture.Cases, c => c.Layers == layer && c.Input == input);
            Assert.True(caseIndex >= 0, layer);
            IGenConvModel generated = GeneratorHarness.Create(fixture.Assembly, $"Matrix.Case{caseIndex}", maxBatch: 2, seed: 0);
            var naive = new GenericModel(generated.Description, GenericAlgorithm.Naive, maxBatch: 2, seed: 0);
            float[] specials = { 1f, 1f, -0f, 0f, float.NaN, -1f, float.NegativeInfinity, float.PositiveInfinity, 2f, -2f, 0f, -0f };
            var random = new SeededRandom(7);
            float[] x = new float[2 * generated.InputLength], dy = new float[2 * generated.OutputLength];
            for (int i = 0; i < x.Length; i++) x[i] = random.NextInt(3) == 0 ? random.NextFloat(-1, 1) : specials[random.NextInt(specials.Length)];
            for (int i = 0; i < dy.Length; i++) dy[i] = random.NextInt(4) == 0 ? -0f : random.NextFloat(-1, 1);
            var results = new List<(float[] Y, float[] Dx)>();
            foreach (IGenConvModel model in new[] { generated, naive })
            {
                var (y, dx) = (new float[dy.Length], new float[x.Length]);
                model.Forward(x, y);
                model.Backward(dy, dx);
                results.Add((y, dx));
            }
            Assert.Equal(Bits(results[1].Y), Bits(results[0].Y));
            Assert.Equal(Bits(results[1].Dx), Bits(results[0].Dx));
        }

        private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

        /// <summary>Same description, seed and data through generated, naive and im2col models; every output and gradient compared.</summary>
        internal static double CompareWithGeneric(IGenConvModel generated, int batch, int seed)
        {
            ModelDescription description = generated.Description;
            var naive = new GenericModel(description, GenericAlgorithm.Naive, generated.MaxBatch, seed: 0);
            var im2col = new GenericModel(description, GenericAlgorithm.Im2Col, generated.MaxBatch, seed: 0);
            var magnitude = new GenericModel(description, GenericAlgorithm.Naive, generated.MaxBatch, seed: 0);
            float[] parameters = Numerics.Random(description.ParameterCount, seed);
            parameters.CopyTo(generated.Parameters);
            parameters.CopyTo(naive.Parameters);
            parameters.CopyTo(im2col.Parameters);
            Numerics.Abs(parameters).CopyTo(magnitude.Parameters);

            float[] x = Numerics.Random(batch * description.InputLength, seed + 1);
            float[] dy = Numerics.Random(batch * description.OutputLength, seed + 2);
            var results = new Dictionary<IGenConvModel, (float[] Y, float[] Dx, float[] Grad)>();
            foreach (var (model, input, outputGradient) in new[] { (generated, x, dy), (naive, x, dy), (im2col, x, dy), ((IGenConvModel)magnitude, Numerics.Abs(x), Numerics.Abs(dy)) })
            {
                var y = new float[batch * description.OutputLength];
                var dx = new float[batch * description.InputLength];
                model.Forward(input, y);
                model.Backward(outputGradient, dx);
                results[model] = (y, dx, model.Gradients.ToArray());
            }

            // Two threads split samples and output channels differently from one; the results must not change by a bit.
            // The kernels write the caller's spans in place: canaries around them (and past the batch) must survive.
            generated.Threads = 2;
            const int guard = 37;
            const float canary = -9876.5f;
            float[] y2 = new float[batch * description.OutputLength + 2 * guard], dx2 = new float[batch * description.InputLength + 2 * guard];
            y2.AsSpan().Fill(canary);
            dx2.AsSpan().Fill(canary);
            generated.Forward(x, y2.AsSpan(guard, y2.Length - 2 * guard));
            generated.Backward(dy, dx2.AsSpan(guard, dx2.Length - 2 * guard));
            generated.Threads = 1;
            Assert.Equal(results[generated].Y, y2.AsSpan(guard, y2.Length - 2 * guard).ToArray());
            Assert.Equal(results[generated].Dx, dx2.AsSpan(guard, dx2.Length - 2 * guard).ToArray());
            Assert.Equal(results[generated].Grad, generated.Gradients.ToArray());
            Assert.All(y2.Take(guard).Concat(y2.Skip(y2.Length - guard)).Concat(dx2.Take(guard)).Concat(dx2.Skip(dx2.Length - guard)), v => Assert.Equal(canary, v));

            long n = ReductionLength(description, batch);
            // Chains, and saturating activations (whose derivative 1 − y² or y(1 − y) amplifies the forward rounding error
            // of y near saturation), are bounded norm-wise: Σ|terms| per element no longer bounds their error.
            bool chain = description.Layers.Count(g => !g.Layer.IsActivation) > 1
                         || description.Layers.Any(g => g.Layer.Kind is LayerKind.Sigmoid or LayerKind.Tanh);
            var reference = results[naive];
            var bound = results[magnitude];
            double worst = 0;
            foreach (IGenConvModel model in new IGenConvModel[] { generated, im2col })
            {
                string name = model == generated ? "generated" : "im2col";
                var r = results[model];
                worst = Math.Max(worst, Numerics.AssertClose(reference.Y, r.Y, bound.Y, n, name + " output", chain));
                worst = Math.Max(worst, Numerics.AssertClose(reference.Dx, r.Dx, bound.Dx, n, name + " input gradient", chain));
                // Tensor by tensor: norm-wise over the whole vector, a small layer's gradients would hide behind a large one's.
                foreach (ParameterTensor tensor in description.ParameterTensors)
                {
                    Range part = tensor.Offset..(tensor.Offset + tensor.Length);
                    worst = Math.Max(worst, Numerics.AssertClose(reference.Grad.AsSpan(part), r.Grad.AsSpan(part), bound.Grad.AsSpan(part), n, $"{name} gradient of {tensor.Name}", chain));
                    // Through a chain, the rigorous bound grows with Σ|terms| of every layer after this one and can exceed
                    // the gradient itself. Rounding alone stays far below a thousandth of the tensor's largest value.
                    if (chain) AssertWithinShareOfLargest(reference.Grad.AsSpan(part), r.Grad.AsSpan(part), 1e-3, $"{name} gradient of {tensor.Name}");
                }
            }
            return worst;
        }

        private static void AssertWithinShareOfLargest(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double share, string what)
        {
            double largest = 0;
            foreach (float v in expected) largest = Math.Max(largest, Math.Abs(v));
            for (int i = 0; i < expected.Length; i++)
                if (!(Math.Abs((double)expected[i] - actual[i]) <= share * largest))
                    Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, actual {actual[i]:R}, more than {share:E0} of the largest |value| {largest:E3} apart");
        }

        /// <summary>
        /// The longest sum any output or gradient is, summed over layers (errors add up through a chain). Sigmoid and
        /// tanh backward multiply by y(1 − y) or 1 − y², computed from a forward output that already carries rounding
        /// error; Σ|terms| does not bound that propagated error, so chains with them get 8× the budget.
        /// </summary>
        private static long ReductionLength(ModelDescription description, int batch)
        {
            long total = 0;
            bool saturating = false;
            foreach (LayerGeometry g in description.Layers)
            {
                LayerSpec l = g.Layer;
                long window = (long)l.KernelH * l.KernelW;
                long longest = l.Kind switch
                {
                    LayerKind.Conv2D => Math.Max(Math.Max(g.Input.Channels * window, g.Output.Channels * window), (long)batch * g.Output.Height * g.Output.Width),
                    LayerKind.Dense => Math.Max(Math.Max(g.InputLength, g.OutputLength), batch),
                    LayerKind.MaxPool2D or LayerKind.AvgPool2D => window,
                    _ => 1,
                };
                total += longest + 1;
                saturating |= l.Kind is LayerKind.Sigmoid or LayerKind.Tanh;
            }
            return saturating ? 8 * total : total;
        }
    }
}
