using System;
using GenConv.Model;

namespace GenConv.Kernels
{
    /// <summary>
    /// Convolution and dense layers as im2col + GEMM (seed 001), the classic generic fast path. Per sample:
    /// unfold the input into a [IC·KH·KW, OH·OW] patch matrix, then Y = W · cols; backward data is
    /// cols' = Wᵀ · dY folded back (col2im), backward weights is dW += dY · colsᵀ. The caller provides the
    /// patch scratch (<see cref="LayerGeometry.PatchLength"/> × output pixels floats).
    /// </summary>
    public static class Im2ColKernels
    {
        public static int ScratchLength(LayerGeometry g) => g.PatchLength * g.Output.Height * g.Output.Width;

        public static void Conv2DForward(LayerGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y, Span<float> cols)
        {
            int pixels = g.Output.Height * g.Output.Width, oc = g.Output.Channels;
            for (int n = 0; n < batch; n++)
            {
                Span<float> yn = y.Slice(n * g.OutputLength, g.OutputLength);
                Im2Col(g, x.Slice(n * g.InputLength, g.InputLength), cols);
                for (int o = 0; o < oc; o++)
                    yn.Slice(o * pixels, pixels).Fill(g.Layer.HasBias ? bias[o] : 0f);
                Gemm.Multiply(oc, pixels, g.PatchLength, weight, false, cols, false, yn, accumulate: true);
            }
        }

        public static void Conv2DBackwardData(LayerGeometry g, int batch, ReadOnlySpan<float> dy, ReadOnlySpan<float> weight, Span<float> dx, Span<float> cols)
        {
            int pixels = g.Output.Height * g.Output.Width;
            for (int n = 0; n < batch; n++)
            {
                Gemm.Multiply(g.PatchLength, pixels, g.Output.Channels, weight, true, dy.Slice(n * g.OutputLength, g.OutputLength), false, cols, accumulate: false);
                Col2Im(g, cols, dx.Slice(n * g.InputLength, g.InputLength));
            }
        }

        public static void Conv2DBackwardWeights(LayerGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dWeight, Span<float> dBias, Span<float> cols)
        {
            int pixels = g.Output.Height * g.Output.Width, oc = g.Output.Channels;
            dWeight.Slice(0, g.WeightCount).Clear();
            dBias.Slice(0, g.BiasCount).Clear();
            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<float> dyn = dy.Slice(n * g.OutputLength, g.OutputLength);
                Im2Col(g, x.Slice(n * g.InputLength, g.InputLength), cols);
                Gemm.Multiply(oc, g.PatchLength, pixels, dyn, false, cols, true, dWeight, accumulate: true);
                if (g.Layer.HasBias)
                    for (int o = 0; o < oc; o++)
                    {
                        float sum = 0f;
                        foreach (float v in dyn.Slice(o * pixels, pixels)) sum += v;
                        dBias[o] += sum;
                    }
            }
        }

        /// <summary>Dense forward as one GEMM over the batch: Y[batch, out] = X[batch, in] · Wᵀ + b.</summary>
        public static void DenseForward(LayerGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y)
        {
            int outF = g.OutputLength;
            for (int n = 0; n < batch; n++)
                if (g.Layer.HasBias) bias.Slice(0, outF).CopyTo(y.Slice(n * outF, outF));
                else y.Slice(n * outF, outF).Clear();
            Gemm.Multiply(batch, outF, g.InputLength, x, false, weight, true, y, accumulate: true);
        }

        /// <summary>dX[batch, in] = dY[batch, out] · W.</summary>
        public static void DenseBackwardData(LayerGeometry g, int batch, ReadOnlySpan<float> dy, ReadOnlySpan<float> weight, Span<float> dx) =>
            Gemm.Multiply(batch, g.InputLength, g.OutputLength, dy, false, weight, false, dx, accumulate: false);

        /// <summary>dW[out, in] = dYᵀ · X, dB = column sums of dY.</summary>
        public static void DenseBackwardWeights(LayerGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dWeight, Span<float> dBias)
        {
            int outF = g.OutputLength;
            Gemm.Multiply(outF, g.InputLength, batch, dy, true, x, false, dWeight, accumulate: false);
            if (!g.Layer.HasBias) return;
            dBias.Slice(0, outF).Clear();
            for (int n = 0; n < batch; n++)
                for (int o = 0; o < outF; o++)
                    dBias[o] += dy[n * outF + o];
        }

        /// <summary>Unfolds one sample: row (ic, kh, kw) of cols holds that tap's input for every output pixel (0 in padding).</summary>
        public static void Im2Col(LayerGeometry g, ReadOnlySpan<float> x, Span<float> cols)
        {
            LayerSpec l = g.Layer;
            int ih = g.Input.Height, iw = g.Input.Width, oh = g.Output.Height, ow = g.Output.Width;
            int row = 0;
            for (int i = 0; i < g.Input.Channels; i++)
                for (int kh = 0; kh < l.KernelH; kh++)
                    for (int kw = 0; kw < l.KernelW; kw++, row++)
                    {
                        Span<float> dst = cols.Slice(row * oh * ow, oh * ow);
                        for (int r = 0; r < oh; r++)
                        {
                            int inRow = r * l.StrideH - l.PadTop + kh;
                            Span<float> dstRow = dst.Slice(r * ow, ow);
                            if ((uint)inRow >= (uint)ih)
                            {
                                dstRow.Clear();
                                continue;
                            }
                            ReadOnlySpan<float> src = x.Slice((i * ih + inRow) * iw, iw);
                            for (int c = 0; c < ow; c++)
                            {
                                int inCol = c * l.StrideW - l.PadLeft + kw;
                                dstRow[c] = (uint)inCol < (uint)iw ? src[inCol] : 0f;
                            }
                        }
                    }
        }

        /// <summary>The adjoint of <see cref="Im2Col"/>: sums every patch entry back into the input position it came from.</summary>
        public static void Col2Im(LayerGeometry g, ReadOnlySpan<float> cols, Span<float> dx)
        {
            LayerSpec l = g.Layer;
            int ih = g.Input.Height, iw = g.Input.Width, oh = g.Output.Height, ow = g.Output.Width;
            dx.Slice(0, g.InputLength).Clear();
            int row = 0;
            for (int i = 0; i < g.Input.Channels; i++)
                for (int kh = 0; kh < l.KernelH; kh++)
                    for (int kw = 0; kw < l.KernelW; kw++, row++)
                        for (int r = 0; r < oh; r++)
                        {
                            int inRow = r * l.StrideH - l.PadTop + kh;
                            if ((uint)inRow >= (uint)ih) continue;
                            ReadOnlySpan<float> src = cols.Slice(row * oh * ow + r * ow, ow);
                            Span<float> dst = dx.Slice((i * ih + inRow) * iw, iw);
                            for (int c = 0; c < ow; c++)
                            {
                                int inCol = c * l.StrideW - l.PadLeft + kw;
                                if ((uint)inCol < (uint)iw) dst[inCol] += src[c];
                            }
                        }
        }
    }
}
