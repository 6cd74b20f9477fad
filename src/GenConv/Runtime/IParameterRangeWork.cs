using System;

namespace GenConv
{
    /// <summary>
    /// Work on the range [start, start + count) of a model's flat parameter vector and of everything laid out like it
    /// (gradients, an element-wise optimizer's state). <see cref="IGenConvModel.ForEachParameterRange"/> hands it disjoint
    /// ranges that cover every index once, possibly on several threads at the same time.
    /// </summary>
    public interface IParameterRangeWork
    {
        void Run(int start, int count);
    }

    /// <summary>How a generated model cuts its parameters into the parts its backward pass gave them to.</summary>
    public static class ParameterRanges
    {
        /// <summary>Floats per cache line: the grain of a part boundary (buffers of generated models start on a line).</summary>
        public const int LineFloats = 16;

        /// <summary>
        /// Runs <paramref name="work"/> on parts [<paramref name="startPart"/>, <paramref name="endPart"/>) of a tensor of
        /// <paramref name="units"/> output units (OIHW channels, dense rows, bias entries) of <paramref name="floatsPerUnit"/>
        /// floats each, at <paramref name="offset"/>: units [units·start/parts, units·end/parts), the same units part p's
        /// backward weights wrote, with each inner boundary moved to the nearest cache line (<see cref="PartBoundary"/>).
        /// </summary>
        public static void RunUnitParts(IParameterRangeWork work, int offset, int units, int floatsPerUnit, int startPart, int endPart, int parts)
        {
            int first = PartBoundary(offset, units, floatsPerUnit, startPart, parts);
            int last = PartBoundary(offset, units, floatsPerUnit, endPart, parts);
            if (last > first) work.Run(first, last - first);
        }

        /// <summary>
        /// Where part <paramref name="part"/> of the tensor starts in the flat vector: its first unit's float, moved to the
        /// nearest multiple of <see cref="LineFloats"/> inside the tensor (the tensor's own ends stay). So no cache line of
        /// the parameters, their gradients or an aligned optimizer state is updated by two threads: a line both threads write
        /// in one step passes between cores twice, and on a machine whose cores share no cache LeNet-5's two-thread update
        /// took 37.6–37.9 µs with unit boundaries (a bias of 6 floats cut four ways) against 25.9–26.9 µs on lines. Parts
        /// may come out empty (a tensor smaller than a line goes whole to one part); a boundary line's gradients, written by
        /// the neighbouring part's backward, are then read by one thread only.
        /// </summary>
        public static int PartBoundary(int offset, int units, int floatsPerUnit, int part, int parts)
        {
            int end = offset + units * floatsPerUnit;
            if (part <= 0) return offset;
            if (part >= parts) return end;
            int unitStart = offset + WorkerTeam.Part(units, part, parts).Start * floatsPerUnit;
            int line = (unitStart + LineFloats / 2) / LineFloats * LineFloats;
            return Math.Clamp(line, offset, end);
        }
    }
}
