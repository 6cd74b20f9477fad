using System;
using GenConv.Kernels;
using GenConv.Model;

namespace GenConv.Tests.Infrastructure
{
    /// <summary>
    /// An independent forward pass in double precision, written from PyTorch's definitions (not from the runtime's
    /// kernels), for finite-difference gradient checks: with doubles, central differences are accurate to ~1e-9.
    /// </summary>
    public static class DoubleReference
    {
        public static double[] Forward(ModelDescription description, double[] parameters, double[] input, int batch)
        {
            double[] x = input;
            for (int i = 0; i < description.Layers.Count; i++)
            {
                LayerGeometry g = description.Layers[i];
                int w = description.WeightOffset(i), b = description.BiasOffset(i);
                var y = new double[batch * g.OutputLength];
                for (int n = 0; n < batch; n++)
                    Layer(g, parameters, w, b, x.AsSpan(n * g.InputLength, g.InputLength), y.AsSpan(n * g.OutputLength, g.OutputLength));
                x = y;
            }
            return x;
        }

        private static void Layer(LayerGeometry g, double[] p, int w, int b, ReadOnlySpan<double> x, Span<double> y)
        {
            LayerSpec l = g.Layer;
            int ic = g.Input.Channels, ih = g.Input.Height, iw = g.Input.Width, oh = g.Output.Height, ow = g.Output.Width;
            switch (l.Kind)
            {
                case LayerKind.Conv2D:
                    for (int o = 0; o < g.Output.Channels; o++)
                        for (int r = 0; r < oh; r++)
                            for (int c = 0; c < ow; c++)
                            {
                                double sum = b >= 0 ? p[b + o] : 0;
                                for (int i = 0; i < ic; i++)
                                    for (int kh = 0; kh < l.KernelH; kh++)
                                        for (int kw = 0; kw < l.KernelW; kw++)
                                        {
                                            int row = r * l.StrideH + kh - l.PadTop, col = c * l.StrideW + kw - l.PadLeft;
                                            if (row >= 0 && row < ih && col >= 0 && col < iw)
                                                sum += p[w + ((o * ic + i) * l.KernelH + kh) * l.KernelW + kw] * x[(i * ih + row) * iw + col];
                                        }
                                y[(o * oh + r) * ow + c] = sum;
                            }
                    break;
                case LayerKind.MaxPool2D:
                case LayerKind.AvgPool2D:
                    for (int i = 0; i < ic; i++)
                        for (int r = 0; r < oh; r++)
                            for (int c = 0; c < ow; c++)
                            {
                                double max = double.NegativeInfinity, sum = 0;
                                int valid = 0;
                                for (int kh = 0; kh < l.KernelH; kh++)
                                    for (int kw = 0; kw < l.KernelW; kw++)
                                    {
                                        int row = r * l.StrideH + kh - l.PadTop, col = c * l.StrideW + kw - l.PadLeft;
                                        if (row < 0 || row >= ih || col < 0 || col >= iw) continue;
                                        double v = x[(i * ih + row) * iw + col];
                                        max = Math.Max(max, v);
                                        sum += v;
                                        valid++;
                                    }
                                y[(i * oh + r) * ow + c] = l.Kind == LayerKind.MaxPool2D ? max
                                    : sum / (l.CountIncludePad ? l.KernelH * l.KernelW : valid);
                            }
                    break;
                case LayerKind.Dense:
                    for (int o = 0; o < g.OutputLength; o++)
                    {
                        double sum = b >= 0 ? p[b + o] : 0;
                        for (int i = 0; i < g.InputLength; i++) sum += p[w + o * g.InputLength + i] * x[i];
                        y[o] = sum;
                    }
                    break;
                default:
                    for (int i = 0; i < x.Length; i++)
                        y[i] = l.Kind switch
                        {
                            LayerKind.ReLU => Math.Max(0, x[i]),
                            LayerKind.LeakyReLU => x[i] > 0 ? x[i] : l.Slope * x[i],
                            LayerKind.Sigmoid => 1 / (1 + Math.Exp(-x[i])),
                            _ => Math.Tanh(x[i]),
                        };
                    break;
            }
        }
    }
}
