package dev.varco.llm.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Float32 weights, little-endian (safetensors' layout). */
public record F32Matrix(MemorySegment data, int rows, int cols) implements WeightMatrix {
  private static final ValueLayout.OfFloat FLOAT_LE =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  public F32Matrix {
    MatrixShapes.check(data.byteSize(), 4.0, rows, cols);
  }

  @Override
  public void unpackRows(int firstRow, int count, float[] dest) {
    MemorySegment.copy(data, FLOAT_LE, (long) firstRow * cols * 4, dest, 0, count * cols);
  }

  @Override
  public double bytesPerWeight() {
    return 4;
  }
}
