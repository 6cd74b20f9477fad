using System;

namespace GenConv
{
    /// <summary>
    /// The project's own PRNG (xoshiro128** seeded through SplitMix64): the same seed gives the same numbers on
    /// every machine and .NET version, unlike System.Random whose algorithm is not a stable contract.
    /// </summary>
    public sealed class SeededRandom
    {
        private uint s0, s1, s2, s3;

        public SeededRandom(ulong seed)
        {
            ulong z = seed;
            ulong a = SplitMix(ref z), b = SplitMix(ref z);
            s0 = (uint)a; s1 = (uint)(a >> 32); s2 = (uint)b; s3 = (uint)(b >> 32);
            if ((s0 | s1 | s2 | s3) == 0) s0 = 1;
        }

        private static ulong SplitMix(ref ulong z)
        {
            ulong x = z += 0x9E3779B97F4A7C15UL;
            x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
            x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
            return x ^ (x >> 31);
        }

        public uint NextUInt32()
        {
            uint result = RotateLeft(s1 * 5, 7) * 9;
            uint t = s1 << 9;
            s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
            s2 ^= t;
            s3 = RotateLeft(s3, 11);
            return result;
        }

        private static uint RotateLeft(uint x, int k) => (x << k) | (x >> (32 - k));

        /// <summary>Uniform in [0, 1) with 24 random bits (every value exactly representable as a float).</summary>
        public float NextFloat() => (NextUInt32() >> 8) * (1f / (1 << 24));

        /// <summary>Uniform in [low, high).</summary>
        public float NextFloat(float low, float high) => low + (high - low) * NextFloat();

        /// <summary>Uniform integer in [0, bound) without modulo bias (Lemire's method).</summary>
        public int NextInt(int bound)
        {
            if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound), bound, "bound must be positive.");
            ulong m = (ulong)NextUInt32() * (uint)bound;
            uint low = (uint)m;
            if (low < (uint)bound)
            {
                uint threshold = (uint)(-bound) % (uint)bound;
                while (low < threshold)
                {
                    m = (ulong)NextUInt32() * (uint)bound;
                    low = (uint)m;
                }
            }
            return (int)(m >> 32);
        }

        /// <summary>Fisher–Yates shuffle.</summary>
        public void Shuffle(Span<int> items)
        {
            for (int i = items.Length - 1; i > 0; i--)
            {
                int j = NextInt(i + 1);
                (items[i], items[j]) = (items[j], items[i]);
            }
        }
    }
}
