using System;
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GenConv.Kernels
{
    /// <summary>
    /// Single-precision GEMM, row-major, C (m×n) = op(A) (m×k) · op(B) (k×n), optionally accumulating into C.
    /// The generic fast path behind im2col convolution and dense layers: a 4-row × 2-vector register tile
    /// of broadcast-FMAs over k-blocks that stay in cache for the no-transpose case, contiguous dot products
    /// for a transposed B, and a packed copy for a transposed A. No allocation after warm-up (pooled packing).
    /// </summary>
    public static class Gemm
    {
        private const int KBlock = 256;

        public static void Multiply(int m, int n, int k, ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b, bool transposeB, Span<float> c, bool accumulate)
        {
            if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), "GEMM sizes must not be negative.");
            if (a.Length < (long)m * k) throw new ArgumentException($"A needs {(long)m * k} floats, has {a.Length}.", nameof(a));
            if (b.Length < (long)k * n) throw new ArgumentException($"B needs {(long)k * n} floats, has {b.Length}.", nameof(b));
            if (c.Length < (long)m * n) throw new ArgumentException($"C needs {(long)m * n} floats, has {c.Length}.", nameof(c));
            if (!accumulate) c.Slice(0, m * n).Clear();
            if (m == 0 || n == 0 || k == 0) return;

            if (transposeA)
            {
                // A is stored k×m: pack it m×k once, then run the untransposed kernel.
                float[] packed = ArrayPool<float>.Shared.Rent(m * k);
                try
                {
                    for (int p = 0; p < k; p++)
                        for (int i = 0; i < m; i++)
                            packed[i * k + p] = a[p * m + i];
                    Multiply(m, n, k, packed.AsSpan(0, m * k), false, b, transposeB, c, accumulate: true);
                }
                finally
                {
                    ArrayPool<float>.Shared.Return(packed);
                }
                return;
            }

            ref float ra = ref MemoryMarshal.GetReference(a);
            ref float rb = ref MemoryMarshal.GetReference(b);
            ref float rc = ref MemoryMarshal.GetReference(c);
            if (transposeB)
                MultiplyNT(m, n, k, ref ra, ref rb, ref rc);
            else
                for (int k0 = 0; k0 < k; k0 += KBlock)
                    MultiplyNN(m, n, k, k0, Math.Min(KBlock, k - k0), ref ra, ref rb, ref rc);
        }

        /// <summary>C += A[:, k0..k0+kc] · B[k0..k0+kc, :] with B rows contiguous: broadcast A, load B vectors.</summary>
        private static void MultiplyNN(int m, int n, int k, int k0, int kc, ref float a, ref float b, ref float c)
        {
            int w = Vector<float>.Count;
            int i = 0;
            for (; i + 4 <= m; i += 4)
            {
                int j = 0;
                for (; j + 2 * w <= n; j += 2 * w)
                {
                    ref float c0 = ref Unsafe.Add(ref c, i * n + j);
                    Vector<float> c00 = Vector.LoadUnsafe(ref c0), c01 = Vector.LoadUnsafe(ref c0, (nuint)w);
                    Vector<float> c10 = Vector.LoadUnsafe(ref c0, (nuint)n), c11 = Vector.LoadUnsafe(ref c0, (nuint)(n + w));
                    Vector<float> c20 = Vector.LoadUnsafe(ref c0, (nuint)(2 * n)), c21 = Vector.LoadUnsafe(ref c0, (nuint)(2 * n + w));
                    Vector<float> c30 = Vector.LoadUnsafe(ref c0, (nuint)(3 * n)), c31 = Vector.LoadUnsafe(ref c0, (nuint)(3 * n + w));
                    ref float a0 = ref Unsafe.Add(ref a, i * k + k0);
                    ref float bp = ref Unsafe.Add(ref b, k0 * n + j);
                    for (int p = 0; p < kc; p++)
                    {
                        Vector<float> b0 = Vector.LoadUnsafe(ref bp), b1 = Vector.LoadUnsafe(ref bp, (nuint)w);
                        var x0 = new Vector<float>(Unsafe.Add(ref a0, p));
                        var x1 = new Vector<float>(Unsafe.Add(ref a0, k + p));
                        var x2 = new Vector<float>(Unsafe.Add(ref a0, 2 * k + p));
                        var x3 = new Vector<float>(Unsafe.Add(ref a0, 3 * k + p));
                        c00 = Vector.FusedMultiplyAdd(x0, b0, c00); c01 = Vector.FusedMultiplyAdd(x0, b1, c01);
                        c10 = Vector.FusedMultiplyAdd(x1, b0, c10); c11 = Vector.FusedMultiplyAdd(x1, b1, c11);
                        c20 = Vector.FusedMultiplyAdd(x2, b0, c20); c21 = Vector.FusedMultiplyAdd(x2, b1, c21);
                        c30 = Vector.FusedMultiplyAdd(x3, b0, c30); c31 = Vector.FusedMultiplyAdd(x3, b1, c31);
                        bp = ref Unsafe.Add(ref bp, n);
                    }
                    c00.StoreUnsafe(ref c0); c01.StoreUnsafe(ref c0, (nuint)w);
                    c10.StoreUnsafe(ref c0, (nuint)n); c11.StoreUnsafe(ref c0, (nuint)(n + w));
                    c20.StoreUnsafe(ref c0, (nuint)(2 * n)); c21.StoreUnsafe(ref c0, (nuint)(2 * n + w));
                    c30.StoreUnsafe(ref c0, (nuint)(3 * n)); c31.StoreUnsafe(ref c0, (nuint)(3 * n + w));
                }
                for (int row = i; row < i + 4; row++)
                    RowTail(n, k, k0, kc, j, row, ref a, ref b, ref c);
            }
            for (; i < m; i++)
                RowTail(n, k, k0, kc, 0, i, ref a, ref b, ref c);
        }

        /// <summary>One row of C from column j on: vectors while they fit, then scalars.</summary>
        private static void RowTail(int n, int k, int k0, int kc, int j, int row, ref float a, ref float b, ref float c)
        {
            int w = Vector<float>.Count;
            ref float ar = ref Unsafe.Add(ref a, row * k + k0);
            ref float cr = ref Unsafe.Add(ref c, row * n);
            for (; j + w <= n; j += w)
            {
                Vector<float> acc = Vector.LoadUnsafe(ref cr, (nuint)j);
                for (int p = 0; p < kc; p++)
                    acc = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref ar, p)), Vector.LoadUnsafe(ref b, (nuint)((k0 + p) * n + j)), acc);
                acc.StoreUnsafe(ref cr, (nuint)j);
            }
            for (; j < n; j++)
            {
                float acc = Unsafe.Add(ref cr, j);
                for (int p = 0; p < kc; p++)
                    acc = MathF.FusedMultiplyAdd(Unsafe.Add(ref ar, p), Unsafe.Add(ref b, (k0 + p) * n + j), acc);
                Unsafe.Add(ref cr, j) = acc;
            }
        }

        /// <summary>C += A · Bᵀ where B is stored n×k: every element a dot product of two contiguous rows.</summary>
        private static void MultiplyNT(int m, int n, int k, ref float a, ref float b, ref float c)
        {
            for (int i = 0; i < m; i++)
            {
                ref float ar = ref Unsafe.Add(ref a, i * k);
                int j = 0;
                for (; j + 4 <= n; j += 4)
                {
                    ref float b0 = ref Unsafe.Add(ref b, j * k);
                    Dot4(k, ref ar, ref b0, out float d0, out float d1, out float d2, out float d3);
                    ref float cr = ref Unsafe.Add(ref c, i * n + j);
                    cr += d0;
                    Unsafe.Add(ref cr, 1) += d1;
                    Unsafe.Add(ref cr, 2) += d2;
                    Unsafe.Add(ref cr, 3) += d3;
                }
                for (; j < n; j++)
                    Unsafe.Add(ref c, i * n + j) += Dot(k, ref ar, ref Unsafe.Add(ref b, j * k));
            }
        }

        /// <summary>Four dot products of one row with four consecutive rows (row stride k), sharing the row loads.</summary>
        private static void Dot4(int k, ref float x, ref float rows, out float d0, out float d1, out float d2, out float d3)
        {
            int w = Vector<float>.Count;
            Vector<float> s0 = Vector<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
            int p = 0;
            for (; p + w <= k; p += w)
            {
                Vector<float> xv = Vector.LoadUnsafe(ref x, (nuint)p);
                s0 = Vector.FusedMultiplyAdd(xv, Vector.LoadUnsafe(ref rows, (nuint)p), s0);
                s1 = Vector.FusedMultiplyAdd(xv, Vector.LoadUnsafe(ref rows, (nuint)(k + p)), s1);
                s2 = Vector.FusedMultiplyAdd(xv, Vector.LoadUnsafe(ref rows, (nuint)(2 * k + p)), s2);
                s3 = Vector.FusedMultiplyAdd(xv, Vector.LoadUnsafe(ref rows, (nuint)(3 * k + p)), s3);
            }
            d0 = Vector.Sum(s0); d1 = Vector.Sum(s1); d2 = Vector.Sum(s2); d3 = Vector.Sum(s3);
            for (; p < k; p++)
            {
                float xs = Unsafe.Add(ref x, p);
                d0 = MathF.FusedMultiplyAdd(xs, Unsafe.Add(ref rows, p), d0);
                d1 = MathF.FusedMultiplyAdd(xs, Unsafe.Add(ref rows, k + p), d1);
                d2 = MathF.FusedMultiplyAdd(xs, Unsafe.Add(ref rows, 2 * k + p), d2);
                d3 = MathF.FusedMultiplyAdd(xs, Unsafe.Add(ref rows, 3 * k + p), d3);
            }
        }

        private static float Dot(int k, ref float x, ref float y)
        {
            int w = Vector<float>.Count;
            Vector<float> s = Vector<float>.Zero;
            int p = 0;
            for (; p + w <= k; p += w)
                s = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref x, (nuint)p), Vector.LoadUnsafe(ref y, (nuint)p), s);
            float d = Vector.Sum(s);
            for (; p < k; p++)
                d = MathF.FusedMultiplyAdd(Unsafe.Add(ref x, p), Unsafe.Add(ref y, p), d);
            return d;
        }
    }
}
