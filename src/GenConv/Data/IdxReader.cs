using System;
using System.IO;
using System.IO.Compression;

namespace GenConv.Data
{
    /// <summary>A labelled image set in NCHW floats scaled to [0, 1].</summary>
    public sealed class ImageSet
    {
        public ImageSet(float[] images, int[] labels, int height, int width)
        {
            ArgumentNullException.ThrowIfNull(images);
            ArgumentNullException.ThrowIfNull(labels);
            if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"image size {height}x{width} must be positive.");
            if (images.Length != (long)labels.Length * height * width)
                throw new ArgumentException($"images must hold {labels.Length} images of {height}x{width} = {(long)labels.Length * height * width} floats, but has {images.Length}.", nameof(images));
            Images = images;
            Labels = labels;
            Height = height;
            Width = width;
        }

        public float[] Images { get; }
        public int[] Labels { get; }
        public int Height { get; }
        public int Width { get; }
        public int Count => Labels.Length;
        public int ImageLength => Height * Width;
    }

    /// <summary>
    /// Reads MNIST-family IDX files (raw or gzip). Magic numbers, dimensions and lengths are checked, and memory grows
    /// only with bytes actually present: a header claiming billions of images, or a gzip bomb, fails without a huge
    /// allocation. Every problem is an <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static class IdxReader
    {
        private const int ImagesMagic = 0x00000803, LabelsMagic = 0x00000801;
        /// <summary>Largest image set accepted (bytes of pixels), so a float copy stays within one array.</summary>
        public const long MaxPixelBytes = 1L << 30;
        private const int MaxSide = 4096;

        public static ImageSet Load(string imagesPath, string labelsPath, int limit = int.MaxValue)
        {
            using FileStream images = File.OpenRead(imagesPath);
            using FileStream labels = File.OpenRead(labelsPath);
            return Read(images, labels, imagesPath, labelsPath, limit);
        }

        /// <summary>Reads an image set from two seekable IDX streams (each raw or gzip), which stay open; at most <paramref name="limit"/> samples are kept.</summary>
        public static ImageSet Read(Stream images, Stream labels, string imagesName = "images", string labelsName = "labels", int limit = int.MaxValue)
        {
            ArgumentNullException.ThrowIfNull(images);
            ArgumentNullException.ThrowIfNull(labels);
            if (limit < 0) throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must not be negative.");
            Stream imageStream = Decompressed(images, imagesName), labelStream = Decompressed(labels, labelsName);
            try
            {
                return ReadDecompressed(imageStream, labelStream, imagesName, labelsName, limit);
            }
            finally
            {
                if (imageStream != images) imageStream.Dispose(); // only the gzip readers this method opened
                if (labelStream != labels) labelStream.Dispose();
            }
        }

        private static ImageSet ReadDecompressed(Stream imageStream, Stream labelStream, string imagesName, string labelsName, int limit)
        {
            int[] imageDims = ReadHeader(imageStream, ImagesMagic, 3, imagesName);
            int count = imageDims[0], height = imageDims[1], width = imageDims[2];
            if (height < 1 || width < 1 || height > MaxSide || width > MaxSide)
                throw new InvalidDataException($"{imagesName}: image size {height}x{width} is not plausible.");
            long pixelBytes = (long)count * height * width;
            if (pixelBytes > MaxPixelBytes)
                throw new InvalidDataException($"{imagesName}: {count} images of {height}x{width} exceed the {MaxPixelBytes}-byte limit.");
            int labelCount = ReadHeader(labelStream, LabelsMagic, 1, labelsName)[0];
            if (labelCount != count)
                throw new InvalidDataException($"{imagesName} holds {count} images but {labelsName} holds {labelCount} labels.");
            byte[] pixels = ReadBody(imageStream, pixelBytes, imagesName), labelBytes = ReadBody(labelStream, count, labelsName);

            int n = Math.Min(count, limit);
            var data = new float[(long)n * height * width];
            for (long i = 0; i < data.Length; i++) data[i] = pixels[i] / 255f;
            var y = new int[n];
            for (int i = 0; i < n; i++) y[i] = labelBytes[i];
            return new ImageSet(data, y, height, width);
        }

        private static Stream Decompressed(Stream stream, string name)
        {
            if (!stream.CanSeek) throw new ArgumentException($"{name}: the stream must be seekable (to detect gzip).", nameof(stream));
            long start = stream.Position;
            Span<byte> magic = stackalloc byte[2];
            int read = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            stream.Position = start;
            return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : stream;
        }

        private static int[] ReadHeader(Stream stream, int magic, int rank, string name)
        {
            Span<byte> header = stackalloc byte[4 + 4 * 3];
            header = header.Slice(0, 4 + 4 * rank);
            int read = Fill(stream, header, name);
            if (read < header.Length) throw new InvalidDataException($"{name}: file too short for an IDX header ({read} bytes).");
            int found = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header);
            if (found != magic) throw new InvalidDataException($"{name}: bad magic number 0x{found:x8}, expected 0x{magic:x8}.");
            var dims = new int[rank];
            for (int i = 0; i < rank; i++) dims[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.Slice(4 + 4 * i));
            if (dims[0] < 0) throw new InvalidDataException($"{name}: item count {dims[0]} is negative.");
            return dims;
        }

        /// <summary>Exactly <paramref name="length"/> bytes and then the end of the stream; memory grows with the bytes read.</summary>
        private static byte[] ReadBody(Stream stream, long length, string name)
        {
            using var body = new MemoryStream();
            var chunk = new byte[1 << 16];
            while (body.Length <= length)
            {
                int read = Fill(stream, chunk.AsSpan(0, (int)Math.Min(chunk.Length, length + 1 - body.Length)), name);
                if (read == 0) break;
                body.Write(chunk, 0, read);
            }
            if (body.Length != length)
                throw new InvalidDataException(body.Length < length
                    ? $"{name}: expected {length} data bytes after the header, found only {body.Length}."
                    : $"{name}: has bytes after its {length} data bytes.");
            return body.ToArray();
        }

        private static int Fill(Stream stream, Span<byte> buffer, string name)
        {
            try
            {
                return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            }
            catch (InvalidDataException exception)
            {
                throw new InvalidDataException($"{name}: corrupt gzip data ({exception.Message}).", exception);
            }
        }
    }
}
