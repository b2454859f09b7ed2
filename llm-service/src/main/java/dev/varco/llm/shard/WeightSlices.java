package dev.varco.llm.shard;

import dev.varco.llm.kernels.Bf16Matrix;
import dev.varco.llm.kernels.F32Matrix;
import dev.varco.llm.kernels.Q4Matrix;
import dev.varco.llm.kernels.Q8Matrix;
import dev.varco.llm.kernels.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Slices of a row-major weight matrix in its own storage format, values unchanged. A range of
 * rows is a view of the mapped file (only its pages are ever read); a range of columns is copied
 * row by row into memory of its own (the kernels read rows contiguously), so a shard keeps only
 * its part resident. Q8/Q4 column ranges must start and end on blocks of 32.
 */
public final class WeightSlices {
  private static final int BLOCK = ShardPlan.COLUMN_BLOCK;

  private WeightSlices() {}

  /** Rows {@code [from, from + count)}. */
  public static WeightMatrix rows(WeightMatrix w, int from, int count) {
    check(from, count, w.rows(), "rows");
    long cols = w.cols();
    return switch (w) {
      case F32Matrix m -> new F32Matrix(m.data().asSlice(from * cols * 4, count * cols * 4), count, m.cols());
      case Bf16Matrix m -> new Bf16Matrix(m.data().asSlice(from * cols * 2, count * cols * 2), count, m.cols());
      case Q8Matrix m -> new Q8Matrix(m.values().asSlice(from * cols, count * cols),
          m.scales().asSlice(from * cols / BLOCK * 4, count * cols / BLOCK * 4), count, m.cols());
      case Q4Matrix m -> new Q4Matrix(m.packed().asSlice(from * cols / 2, count * cols / 2),
          m.scales().asSlice(from * cols / BLOCK * 4, count * cols / BLOCK * 4), count, m.cols());
    };
  }

  /** Columns {@code [from, from + count)}, copied. */
  public static WeightMatrix columns(WeightMatrix w, int from, int count) {
    check(from, count, w.cols(), "columns");
    if ((w instanceof Q8Matrix || w instanceof Q4Matrix) && (from % BLOCK != 0 || count % BLOCK != 0)) {
      throw new IllegalArgumentException("columns [" + from + ", " + (from + count) + ") of a " + w.rows() + " x "
          + w.cols() + " Q8/Q4 matrix do not fall on its blocks of " + BLOCK);
    }
    int rows = w.rows();
    return switch (w) {
      case F32Matrix m -> new F32Matrix(copyColumns(m.data(), rows, m.cols(), from, count, 4.0), rows, count);
      case Bf16Matrix m -> new Bf16Matrix(copyColumns(m.data(), rows, m.cols(), from, count, 2.0), rows, count);
      case Q8Matrix m -> new Q8Matrix(copyColumns(m.values(), rows, m.cols(), from, count, 1.0),
          copyColumns(m.scales(), rows, m.cols() / BLOCK, from / BLOCK, count / BLOCK, 4.0), rows, count);
      case Q4Matrix m -> new Q4Matrix(copyColumns(m.packed(), rows, m.cols(), from, count, 0.5),
          copyColumns(m.scales(), rows, m.cols() / BLOCK, from / BLOCK, count / BLOCK, 4.0), rows, count);
    };
  }

  /** Copies elements {@code [from, from + count)} of each row ({@code bytes} bytes per element). */
  private static MemorySegment copyColumns(MemorySegment source, int rows, int cols, int from, int count, double bytes) {
    long rowBytes = (long) (cols * bytes);
    long sliceBytes = (long) (count * bytes);
    long offset = (long) (from * bytes);
    MemorySegment copy = Arena.ofAuto().allocate(rows * sliceBytes, 64);
    for (long r = 0; r < rows; r++) {
      MemorySegment.copy(source, r * rowBytes + offset, copy, r * sliceBytes, sliceBytes);
    }
    return copy;
  }

  private static void check(int from, int count, int size, String what) {
    if (from < 0 || count < 1 || from + count > size) {
      throw new IllegalArgumentException(what + " [" + from + ", " + (from + count) + ") are outside [0, " + size + ")");
    }
  }
}
