using System;
using System.IO;

namespace GenConv.IO
{
    /// <summary>
    /// Replaces a file all at once: the bytes go to a temporary file beside it, are flushed to disk, and only then
    /// renamed over the target, so a reader (or a crash) sees the old file or the new one, never half of one.
    /// </summary>
    public static class AtomicFile
    {
        public static void Write(string path, byte[] bytes)
        {
            ArgumentNullException.ThrowIfNull(bytes);
            Write(path, stream => stream.Write(bytes));
        }

        /// <summary>As <see cref="Write(string, byte[])"/>, with the content produced by <paramref name="write"/>;
        /// tests use it to fail part-way through a save.</summary>
        internal static void Write(string path, Action<Stream> write)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            string full = Path.GetFullPath(path);
            string temporary = full + ".tmp-" + Path.GetRandomFileName();
            try
            {
                using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    write(stream);
                    stream.Flush(flushToDisk: true);
                }
                File.Move(temporary, full, overwrite: true);
            }
            finally
            {
                if (File.Exists(temporary)) File.Delete(temporary);
            }
        }
    }
}
