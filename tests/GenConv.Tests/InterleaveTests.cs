using System;
using System.Numerics;
using System.Runtime.Intrinsics;
using GenConv.Kernels;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>
    /// The even/odd moves stride-2 kernels store through: pure data movement, so every element must land exactly where
    /// the scalar definition puts it (distinct values, so a swapped or duplicated lane shows).
    /// </summary>
    public class InterleaveTests
    {
        private static float[] Distinct(int length, float offset)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = offset + i;
            return values;
        }

        private static void AssertInterleaved(float[] even, float[] odd, float[] destination)
        {
            for (int i = 0; i < even.Length; i++)
            {
                Assert.Equal(even[i], destination[2 * i]);
                Assert.Equal(odd[i], destination[2 * i + 1]);
            }
        }

        [Fact]
        public void MergeOfVectorFloatInterleavesEvenAndOdd()
        {
            int n = Vector<float>.Count;
            float[] even = Distinct(n, 100), odd = Distinct(n, 200), destination = new float[2 * n];
            Interleave.Merge(new Vector<float>(even), new Vector<float>(odd), ref destination[0]);
            AssertInterleaved(even, odd, destination);
        }

        [Fact]
        public void MergeEvenThenMergeOddEqualsOneMerge()
        {
            int n = Vector<float>.Count;
            float[] even = Distinct(n, 100), odd = Distinct(n, 200), destination = Distinct(2 * n, -50);
            Interleave.MergeEven(new Vector<float>(even), ref destination[0]);
            for (int i = 0; i < n; i++) Assert.Equal(even[i], destination[2 * i]);
            Interleave.MergeOdd(new Vector<float>(odd), ref destination[0]);
            AssertInterleaved(even, odd, destination);
        }

        [Fact]
        public void MergeOddKeepsTheEvenElementsAndTouchesNothingElse()
        {
            int n = Vector<float>.Count;
            float[] odd = Distinct(n, 200), destination = Distinct(2 * n + 2, -50), before = (float[])destination.Clone();
            Interleave.MergeOdd(new Vector<float>(odd), ref destination[1]); // one element off alignment, a guard each side
            Assert.Equal(before[0], destination[0]);
            Assert.Equal(before[2 * n + 1], destination[2 * n + 1]);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(before[1 + 2 * i], destination[1 + 2 * i]);
                Assert.Equal(odd[i], destination[2 + 2 * i]);
            }
        }

        [Fact]
        public void SplitOfVector256UndoesMerge()
        {
            if (!Vector256.IsHardwareAccelerated) return; // the 256-bit overloads' contract: callers check acceleration
            float[] even = Distinct(8, 100), odd = Distinct(8, 200), destination = new float[16];
            Interleave.Merge(Vector256.Create(even), Vector256.Create(odd), ref destination[0]);
            AssertInterleaved(even, odd, destination);
            Interleave.Split(ref destination[0], out Vector256<float> e, out Vector256<float> o);
            Assert.Equal(Vector256.Create(even), e);
            Assert.Equal(Vector256.Create(odd), o);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(8)]
        [InlineData(16)]
        [InlineData(23)]
        [InlineData(40)]
        public void SplitAndMergeOfRunsAreInverses(int pairs)
        {
            float[] source = Distinct(2 * pairs, 1), even = new float[pairs], odd = new float[pairs], back = new float[2 * pairs];
            Interleave.Split(ref source[0], ref even[0], ref odd[0], pairs);
            AssertInterleaved(even, odd, source);
            Interleave.Merge(ref even[0], ref odd[0], ref back[0], pairs);
            Assert.Equal(source, back);
        }
    }
}
