package dev.varco.llm.kernels;

/** Checks that a matrix's storage holds what its shape says, so a bad file fails at load. */
final class MatrixShapes {
  private MatrixShapes() {}

  static void check(long bytes, double bytesPerWeight, int rows, int cols) {
    if (rows < 1 || cols < 1) {
      throw new IllegalArgumentException("a weight matrix needs positive dimensions, got " + rows + " x " + cols);
    }
    long needed = (long) Math.ceil(bytesPerWeight * rows * (long) cols);
    if (bytes < needed) {
      throw new IllegalArgumentException(
          "a " + rows + " x " + cols + " matrix needs " + needed + " bytes of storage, got " + bytes);
    }
  }

  static void checkBlocks(int cols, int block) {
    if (cols % block != 0) {
      throw new IllegalArgumentException("rows of " + cols + " values are not whole blocks of " + block);
    }
  }
}
