using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace GenConv.Training
{
    /// <summary>Branch-free finiteness checks: x·0 is 0 for every finite x and NaN for ±∞ and NaN, so one sum tells.</summary>
    internal static class Finite
    {
        public static bool All(ReadOnlySpan<float> values)
        {
            var vectorSum = Vector<float>.Zero;
            ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            foreach (Vector<float> v in vectors) vectorSum += v * Vector<float>.Zero;
            float sum = Vector.Sum(vectorSum);
            for (int i = vectors.Length * Vector<float>.Count; i < values.Length; i++) sum += values[i] * 0f;
            return sum == 0f;
        }
    }
}
