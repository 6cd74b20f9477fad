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

    /// <summary>Reads MNIST-family IDX files (raw or gzip), checking magic numbers, dimensions and lengths.</summary>
    public static class IdxReader
    {
        private const int ImagesMagic = 0x00000803, LabelsMagic = 0x00000801;
        private const int MaxItems = 10_000_000, MaxSide = 4096;

        public static ImageSet Load(string imagesPath, string labelsPath, int limit = int.MaxValue)
        {
            byte[] images = ReadAll(imagesPath), labels = ReadAll(labelsPath);
            int count = ReadHeader(images, ImagesMagic, 3, imagesPath, out int[] dims);
            int height = dims[1], width = dims[2];
            if (height < 1 || width < 1 || height > MaxSide || width > MaxSide)
                throw new InvalidDataException($"{imagesPath}: image size {height}x{width} is not plausible.");
            int labelCount = ReadHeader(labels, LabelsMagic, 1, labelsPath, out _);
            if (labelCount != count)
                throw new InvalidDataException($"{imagesPath} holds {count} images but {labelsPath} holds {labelCount} labels.");
            long pixels = (long)height * width;
            if (images.Length != 16 + count * pixels)
                throw new InvalidDataException($"{imagesPath}: expected {16 + count * pixels} bytes for {count} images of {height}x{width}, found {images.Length}.");
            if (labels.Length != 8 + count)
                throw new InvalidDataException($"{labelsPath}: expected {8 + count} bytes for {count} labels, found {labels.Length}.");
            int n = Math.Min(count, limit);
            var data = new float[n * pixels];
            for (long i = 0; i < data.Length; i++) data[i] = images[16 + i] / 255f;
            var y = new int[n];
            for (int i = 0; i < n; i++) y[i] = labels[8 + i];
            return new ImageSet(data, y, height, width);
        }

        private static byte[] ReadAll(string path)
        {
            using FileStream file = File.OpenRead(path);
            Stream stream = file;
            int b0 = file.ReadByte(), b1 = file.ReadByte();
            file.Position = 0;
            if (b0 == 0x1f && b1 == 0x8b) stream = new GZipStream(file, CompressionMode.Decompress);
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            return memory.ToArray();
        }

        private static int ReadHeader(byte[] data, int magic, int rank, string path, out int[] dims)
        {
            int headerLength = 4 + 4 * rank;
            if (data.Length < headerLength) throw new InvalidDataException($"{path}: file too short for an IDX header ({data.Length} bytes).");
            int found = BigEndian(data, 0);
            if (found != magic) throw new InvalidDataException($"{path}: bad magic number 0x{found:x8}, expected 0x{magic:x8}.");
            dims = new int[rank];
            for (int i = 0; i < rank; i++) dims[i] = BigEndian(data, 4 + 4 * i);
            if (dims[0] < 0 || dims[0] > MaxItems) throw new InvalidDataException($"{path}: item count {dims[0]} is not plausible.");
            return dims[0];
        }

        private static int BigEndian(byte[] data, int offset) => data[offset] << 24 | data[offset + 1] << 16 | data[offset + 2] << 8 | data[offset + 3];
    }
}
