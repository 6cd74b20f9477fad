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
        /// <summary>
        /// Runs <paramref name="work"/> on parts [<paramref name="startPart"/>, <paramref name="endPart"/>) of a tensor of
        /// <paramref name="units"/> output units (OIHW channels, dense rows, bias entries) of <paramref name="floatsPerUnit"/>
        /// floats each, at <paramref name="offset"/>: units [units·start/parts, units·end/parts), the same units part p's
        /// backward weights wrote.
        /// </summary>
        public static void RunUnitParts(IParameterRangeWork work, int offset, int units, int floatsPerUnit, int startPart, int endPart, int parts)
        {
            int first = WorkerTeam.Part(units, startPart, parts).Start, last = WorkerTeam.Part(units, endPart, parts).Start;
            if (last > first) work.Run(offset + first * floatsPerUnit, (last - first) * floatsPerUnit);
        }
    }
}
