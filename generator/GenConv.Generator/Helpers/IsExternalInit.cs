// Lets netstandard2.0 code use records and init-only properties.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit { }
}
