using System;
using GenConv.Model;

namespace GenConv.Kernels
{
    /// <summary>
    /// The direct loops of the seed notes, runtime-shaped, NCHW, PyTorch semantics. Deliberately plain: they are
    /// the reference the generated kernels are tested against and the "naive" baseline of the benchmarks.
    /// Every method processes <c>batch</c> samples laid out back to back; gradient outputs are overwritten.
    /// </summary>
    public static class NaiveKernels
    {
        public static void Conv2DForward(LayerGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y)
        {
            LayerSpec l = g.Layer;
            int ic = g.Input.Channels, ih = g.Input.Height, iw = g.Input.Width;
            int oc = g.Output.Channels, oh = g.Output.Height, ow = g.Output.Width;
            for (int n = 0; n < batch; n++)
                for (int o = 0; o < oc; o++)
                    for (int r = 0; r < oh; r++)
                        for (int c = 0; c < ow; c++)
                        {
                            float sum = l.HasBias ? bias[o] : 0f;
                            for (int i = 0; i < ic; i++)
                                for (int kh = 0; kh < l.KernelH; kh++)
                                {
                                    int inRow = r * l.StrideH - l.PadTop + kh;
                                    if ((uint)inRow >= (uint)ih) continue;
                                    for (int kw = 0; kw < l.KernelW; kw++)
                                    {
                                        int inCol = c * l.StrideW - l.PadLeft + kw;
                                        if ((uint)inCol >= (uint)iw) continue;
                                        sum += x[((n * ic + i) * ih + inRow) * iw + inCol] * weight[((o * ic + i) * l.KernelH + kh) * l.KernelW + kw];
                                    }
                                }
                            y[((n * oc + o) * oh + r) * ow + c] = sum;
                        }
        }

        /// <summary>dX: every output gradient scattered back through the window it came from (seed 000).</summary>
        public static void Conv2DBackwardData(LayerGeometry g, int batch, ReadOnlySpan<float> dy, ReadOnlySpan<float> weight, Span<float> dx)
        {
            LayerSpec l = g.Layer;
            int ic = g.Input.Channels, ih = g.Input.Height, iw = g.Input.Width;
            int oc = g.Output.Channels, oh = g.Output.Height, ow = g.Output.Width;
            dx.Slice(0, batch * g.InputLength).Clear();
            for (int n = 0; n < batch; n++)
                for (int o = 0; o < oc; o++)
                    for (int r = 0; r < oh; r++)
                        for (int c = 0; c < ow; c++)
                        {
                            float grad = dy[((n * oc + o) * oh + r) * ow + c];
                            for (int i = 0; i < ic; i++)
                                for (int kh = 0; kh < l.KernelH; kh++)
                                {
                                    int inRow = r * l.StrideH - l.PadTop + kh;
                                    if ((uint)inRow >= (uint)ih) continue;
                                    for (int kw = 0; kw < l.KernelW; kw++)
                                    {
                                        int inCol = c * l.StrideW - l.PadLeft + kw;
                                        if ((uint)inCol >= (uint)iw) continue;
                                        dx[((n * ic + i) * ih + inRow) * iw + inCol] += weight[((o * ic + i) * l.KernelH + kh) * l.KernelW + kw] * grad;
                                    }
                                }
                        }
        }

        /// <summary>dW and dB summed over the batch: the input correlated with the output gradient (seed 002).</summary>
        public static void Conv2DBackwardWeights(LayerGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dWeight, Span<float> dBias)
        {
            LayerSpec l = g.Layer;
            int ic = g.Input.Channels, ih = g.Input.Height, iw = g.Input.Width;
            int oc = g.Output.Channels, oh = g.Output.Height, ow = g.Output.Width;
            dWeight.Slice(0, g.WeightCount).Clear();
            dBias.Slice(0, g.BiasCount).Clear();
            for (int n = 0; n < batch; n++)
                for (int o = 0; o < oc; o++)
                    for (int r = 0; r < oh; r++)
                        for (int c = 0; c < ow; c++)
                        {
                            float grad = dy[((n * oc + o) * oh + r) * ow + c];
                            if (l.HasBias) dBias[o] += grad;
                            for (int i = 0; i < ic; i++)
                                for (int kh = 0; kh < l.KernelH; kh++)
                                {
                                    int inRow = r * l.StrideH - l.PadTop + kh;
                                    if ((uint)inRow >= (uint)ih) continue;
                                    for (int kw = 0; kw < l.KernelW; kw++)
                                    {
                                        int inCol = c * l.StrideW - l.PadLeft + kw;
                                        if ((uint)inCol >= (uint)iw) continue;
                                        dWeight[((o * ic + i) * l.KernelH + kh) * l.KernelW + kw] += x[((n * ic + i) * ih + inRow) * iw + inCol] * grad;
                                    }
                                }
                        }
        }

        /// <summary>Max pooling; padding acts as −∞, ties go to the first maximum in scan order, NaN wins (as PyTorch).</summary>
        public static void MaxPoolForward(LayerGeometry g, int batch, ReadOnlySpan<float> x, Span<float> y)
        {
            int planes = batch * g.Input.Channels;
            for (int p = 0; p < planes; p++)
                for (int r = 0; r < g.Output.Height; r++)
                    for (int c = 0; c < g.Output.Width; c++)
                    {
                        int arg = MaxPoolArgMax(g, x, p, r, c);
                        y[(p * g.Output.Height + r) * g.Output.Width + c] = x[arg];
                    }
        }

        /// <summary>Max-pool backward: each output gradient goes to its window's arg-max (seed 001/002).</summary>
        public static void MaxPoolBackward(LayerGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
        {
            dx.Slice(0, batch * g.InputLength).Clear();
            int planes = batch * g.Input.Channels;
            for (int p = 0; p < planes; p++)
                for (int r = 0; r < g.Output.Height; r++)
                    for (int c = 0; c < g.Output.Width; c++)
                        dx[MaxPoolArgMax(g, x, p, r, c)] += dy[(p * g.Output.Height + r) * g.Output.Width + c];
        }

        /// <summary>Flat index in x of the window's maximum; starts at the first in-bounds element, as PyTorch does.</summary>
        private static int MaxPoolArgMax(LayerGeometry g, ReadOnlySpan<float> x, int plane, int r, int c)
        {
            LayerSpec l = g.Layer;
            int ih = g.Input.Height, iw = g.Input.Width;
            int rowStart = r * l.StrideH - l.PadTop, colStart = c * l.StrideW - l.PadLeft;
            int rowEnd = Math.Min(rowStart + l.KernelH, ih), colEnd = Math.Min(colStart + l.KernelW, iw);
            rowStart = Math.Max(rowStart, 0);
            colStart = Math.Max(colStart, 0);
            int planeBase = plane * ih * iw;
            int arg = planeBase + rowStart * iw + colStart;
            float max = float.NegativeInfinity;
            for (int row = rowStart; row < rowEnd; row++)
                for (int col = colStart; col < colEnd; col++)
                {
                    float v = x[planeBase + row * iw + col];
                    if (v > max || float.IsNaN(v))
                    {
                        max = v;
                        arg = planeBase + row * iw + col;
                    }
                }
            return arg;
        }

        public static void AvgPoolForward(LayerGeometry g, int batch, ReadOnlySpan<float> x, Span<float> y)
        {
            LayerSpec l = g.Layer;
            int ih = g.Input.Height, iw = g.Input.Width;
            int planes = batch * g.Input.Channels;
            for (int p = 0; p < planes; p++)
                for (int r = 0; r < g.Output.Height; r++)
                    for (int c = 0; c < g.Output.Width; c++)
                    {
                        AvgPoolWindow(g, r, c, out int rowStart, out int rowEnd, out int colStart, out int colEnd, out int divisor);
                        float sum = 0f;
                        for (int row = rowStart; row < rowEnd; row++)
                            for (int col = colStart; col < colEnd; col++)
                                sum += x[(p * ih + row) * iw + col];
                        y[(p * g.Output.Height + r) * g.Output.Width + c] = sum / divisor;
                    }
        }

        /// <summary>Average-pool backward: each input of a window receives delta / divisor (seed 002).</summary>
        public static void AvgPoolBackward(LayerGeometry g, int batch, ReadOnlySpan<float> dy, Span<float> dx)
        {
            int ih = g.Input.Height, iw = g.Input.Width;
            dx.Slice(0, batch * g.InputLength).Clear();
            int planes = batch * g.Input.Channels;
            for (int p = 0; p < planes; p++)
                for (int r = 0; r < g.Output.Height; r++)
                    for (int c = 0; c < g.Output.Width; c++)
                    {
                        AvgPoolWindow(g, r, c, out int rowStart, out int rowEnd, out int colStart, out int colEnd, out int divisor);
                        float share = dy[(p * g.Output.Height + r) * g.Output.Width + c] / divisor;
                        for (int row = rowStart; row < rowEnd; row++)
                            for (int col = colStart; col < colEnd; col++)
                                dx[(p * ih + row) * iw + col] += share;
                    }
        }

        /// <summary>
        /// The in-bounds part of an average-pool window and its divisor, as PyTorch: with count_include_pad the divisor
        /// is the window clipped to the padded input, otherwise the window clipped to the real input.
        /// </summary>
        public static void AvgPoolWindow(LayerGeometry g, int r, int c, out int rowStart, out int rowEnd, out int colStart, out int colEnd, out int divisor)
        {
            LayerSpec l = g.Layer;
            int ih = g.Input.Height, iw = g.Input.Width;
            rowStart = r * l.StrideH - l.PadTop;
            colStart = c * l.StrideW - l.PadLeft;
            rowEnd = Math.Min(rowStart + l.KernelH, ih + l.PadBottom);
            colEnd = Math.Min(colStart + l.KernelW, iw + l.PadRight);
            int paddedArea = (rowEnd - rowStart) * (colEnd - colStart);
            rowStart = Math.Max(rowStart, 0);
            colStart = Math.Max(colStart, 0);
            rowEnd = Math.Min(rowEnd, ih);
            colEnd = Math.Min(colEnd, iw);
            divisor = l.CountIncludePad ? paddedArea : (rowEnd - rowStart) * (colEnd - colStart);
        }

        public static void DenseForward(LayerGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y)
        {
            int inF = g.InputLength, outF = g.OutputLength;
            for (int n = 0; n < batch; n++)
                for (int o = 0; o < outF; o++)
                {
                    float sum = g.Layer.HasBias ? bias[o] : 0f;
                    for (int i = 0; i < inF; i++)
                        sum += weight[o * inF + i] * x[n * inF + i];
                    y[n * outF + o] = sum;
                }
        }

        public static void DenseBackwardData(LayerGeometry g, int batch, ReadOnlySpan<float> dy, ReadOnlySpan<float> weight, Span<float> dx)
        {
            int inF = g.InputLength, outF = g.OutputLength;
            for (int n = 0; n < batch; n++)
                for (int i = 0; i < inF; i++)
                {
                    float sum = 0f;
                    for (int o = 0; o < outF; o++)
                        sum += weight[o * inF + i] * dy[n * outF + o];
                    dx[n * inF + i] = sum;
                }
        }

        public static void DenseBackwardWeights(LayerGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dWeight, Span<float> dBias)
        {
            int inF = g.InputLength, outF = g.OutputLength;
            for (int o = 0; o < outF; o++)
            {
                for (int i = 0; i < inF; i++)
                {
                    float sum = 0f;
                    for (int n = 0; n < batch; n++)
                        sum += dy[n * outF + o] * x[n * inF + i];
                    dWeight[o * inF + i] = sum;
                }
                if (g.Layer.HasBias)
                {
                    float sum = 0f;
                    for (int n = 0; n < batch; n++)
                        sum += dy[n * outF + o];
                    dBias[o] = sum;
                }
            }
        }

        /// <summary>Element-wise activation forward over <paramref name="count"/> values.</summary>
        public static void ActivationForward(LayerSpec layer, int count, ReadOnlySpan<float> x, Span<float> y)
        {
            for (int i = 0; i < count; i++)
                y[i] = Activations.Forward(layer.Kind, layer.Slope, x[i]);
        }

        /// <summary>Element-wise activation backward; needs both the activation's input x and output y.</summary>
        public static void ActivationBackward(LayerSpec layer, int count, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
        {
            for (int i = 0; i < count; i++)
                dx[i] = Activations.Backward(layer.Kind, layer.Slope, x[i], y[i], dy[i]);
        }
    }
}
