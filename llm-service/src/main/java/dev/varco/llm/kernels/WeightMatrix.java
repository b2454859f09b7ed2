package dev.varco.llm.kernels;

/**
 * A weight matrix of {@code rows} output features by {@code cols} input features, row-major, in
 * its storage format (F32, BF16, Q8 or Q4 blocks of 32 along a row). Kernels never read the
 * storage directly: they ask for a block of rows widened to F32 ({@link #unpackRows}), which is
 * the one place a format's layout is known. A block is unpacked once per matmul call and then
 * multiplied by every activation row, so the widening costs nothing per extra row.
 */
public sealed interface WeightMatrix permits F32Matrix, Bf16Matrix, Q8Matrix, Q4Matrix {
  int rows();

  int cols();

  /**
   * Writes rows {@code [firstRow, firstRow + count)} as F32 into {@code dest}, row-major with
   * {@link #cols()} floats per row.
   */
  void unpackRows(int firstRow, int count, float[] dest);

  /** Bytes of storage per weight (scales included): what one pass over the matrix reads. */
  double bytesPerWeight();

  /** Bytes of storage of the whole matrix. */
  default long storageBytes() {
    return (long) Math.ceil(bytesPerWeight() * rows() * (long) cols());
  }
}
