package dev.varco.llm.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Jlama's Q8 blocks: one signed byte per weight and one float32 scale per block of 32 weights
 * along a row (value = byte x scale). Kept as stored (1.125 bytes per weight): widened only in the
 * panel a kernel multiplies.
 */
public record Q8Matrix(MemorySegment values, MemorySegment scales, int rows, int cols) implements WeightMatrix {
  static final int BLOCK = 32;
  private static final ValueLayout.OfFloat FLOAT_LE =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Byte> BYTES =
      ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(FLOATS.length() * 8));

  public Q8Matrix {
    MatrixShapes.checkBlocks(cols, BLOCK);
    MatrixShapes.check(values.byteSize(), 1.0, rows, cols);
    MatrixShapes.check(scales.byteSize(), 4.0 / BLOCK, rows, cols);
  }

  @Override
  public void unpackRows(int firstRow, int count, float[] dest) {
    long first = (long) firstRow * cols;
    int total = count * cols;
    int lanes = FLOATS.length();
    long scaleAt = 4 * (first / BLOCK);
    if (lanes == BLOCK / 2) {
      // The common case (16-lane floats): a block is two vectors.
      for (int block = 0; block < total; block += BLOCK, scaleAt += 4) {
        float scale = scales.get(FLOAT_LE, scaleAt);
        widenAt(values, first + block, scale).intoArray(dest, block);
        widenAt(values, first + block + lanes, scale).intoArray(dest, block + lanes);
      }
      return;
    }
    for (int block = 0; block < total; block += BLOCK, scaleAt += 4) {
      float scale = scales.get(FLOAT_LE, scaleAt);
      if (lanes <= BLOCK) {
        for (int i = block; i < block + BLOCK; i += lanes) {
          ByteVector q = ByteVector.fromMemorySegment(BYTES, values, first + i, ByteOrder.LITTLE_ENDIAN);
          ((FloatVector) q.convertShape(VectorOperators.B2F, FLOATS, 0)).mul(scale).intoArray(dest, i);
        }
      } else {
        for (int i = block; i < block + BLOCK; i++) {
          dest[i] = values.get(ValueLayout.JAVA_BYTE, first + i) * scale;
        }
      }
    }
  }

  /** The scale of the block holding weight {@code index} (row x cols + col). */
  static float scaleOf(MemorySegment scales, long index) {
    return scales.get(FLOAT_LE, 4 * (index / BLOCK));
  }

  /** The F32 vector of the weights from {@code index} on, within one block of scale {@code scale}. */
  static FloatVector widenAt(MemorySegment values, long index, float scale) {
    ByteVector q = ByteVector.fromMemorySegment(BYTES, values, index, ByteOrder.LITTLE_ENDIAN);
    return ((FloatVector) q.convertShape(VectorOperators.B2F, FLOATS, 0)).mul(scale);
  }

  @Override
  public double bytesPerWeight() {
    return 1 + 4.0 / BLOCK;
  }
}
