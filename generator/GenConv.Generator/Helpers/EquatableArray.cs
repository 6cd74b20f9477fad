using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace GenConv.Generator.Helpers
{
    /// <summary>An immutable array compared by its elements, so pipeline models that hold it cache correctly.</summary>
    internal readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IEnumerable<T>
        where T : IEquatable<T>
    {
        private readonly T[]? items;

        public EquatableArray(T[] items) => this.items = items;

        public static EquatableArray<T> Empty => new EquatableArray<T>(Array.Empty<T>());

        public int Count => items?.Length ?? 0;
        public T this[int index] => items![index];
        public ReadOnlySpan<T> AsSpan() => items;

        public bool Equals(EquatableArray<T> other) => AsSpan().SequenceEqual(other.AsSpan());
        public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

        public override int GetHashCode()
        {
            int hash = 17;
            foreach (T item in AsSpan()) hash = unchecked(hash * 31 + (item?.GetHashCode() ?? 0));
            return hash;
        }

        public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)(items ?? Array.Empty<T>())).GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public static implicit operator EquatableArray<T>(T[] items) => new EquatableArray<T>(items);
        public static implicit operator EquatableArray<T>(ImmutableArray<T> items) => new EquatableArray<T>(items.IsDefault ? Array.Empty<T>() : items.ToArray());
    }
}
