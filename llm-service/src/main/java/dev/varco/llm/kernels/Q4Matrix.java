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
 * Jlama's Q4 blocks: 32 weights of a row in 16 bytes plus one float32 scale. Byte j of a block
 * holds weight j in its low nibble and weight j + 16 in its high nibble; value = (nibble - 8) x
 * scale. Kept as stored (0.625 bytes per weight): widened only in the panel a kernel multiplies.
 */
public record Q4Matrix(MemorySegment packed, MemorySegment scales, int rows, int cols) implements WeightMatrix {
  static final int BLOCK = 32;
  private static final ValueLayout.OfFloat FLOAT_LE =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Byte> BYTES =
      ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(FLOATS.length() * 8));

  public Q4Matrix {
    MatrixShapes.checkBlocks(cols, BLOCK);
    MatrixShapes.check(packed.byteSize(), 0.5, rows, cols);
    MatrixShapes.check(scales.byteSize(), 4.0 / BLOCK, rows, cols);
  }

  @Override
  public void unpackRows(int firstRow, int count, float[] dest) {
    long first = (long) firstRow * cols;
    int total = count * cols;
    int lanes = FLOATS.length();
    int half = BLOCK / 2;
    long blockIndex = first / BLOCK;
    if (lanes == half) {
      // The common case (16-lane floats): a block is one 16-byte load, its low then high nibbles.
      for (int block = 0; block < total; block += BLOCK, blockIndex++) {
        float scale = scales.get(FLOAT_LE, 4 * blockIndex);
        widenLowAt(packed, first + block, scale).intoArray(dest, block);
        widenHighAt(packed, first + block, scale).intoArray(dest, block + half);
      }
      return;
    }
    for (int block = 0; block < total; block += BLOCK, blockIndex++) {
      float scale = scales.get(FLOAT_LE, 4 * blockIndex);
      long bytes = blockIndex * half;
      if (lanes < half) {
        for (int j = 0; j < half; j += lanes) {
          ByteVector q = ByteVector.fromMemorySegment(BYTES, packed, bytes + j, ByteOrder.LITTLE_ENDIAN);
          ByteVector low = q.and((byte) 0x0F).sub((byte) 8);
          ByteVector high = q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8);
          ((FloatVector) low.convertShape(VectorOperators.B2F, FLOATS, 0)).mul(scale).intoArray(dest, block + j);
          ((FloatVector) high.convertShape(VectorOperators.B2F, FLOATS, 0)).mul(scale).intoArray(dest, block + half + j);
        }
      } else {
        for (int j = 0; j < half; j++) {
          int b = packed.get(ValueLayout.JAVA_BYTE, bytes + j);
          dest[block + j] = ((b & 0x0F) - 8) * scale;
          dest[block + half + j] = (((b >> 4) & 0x0F) - 8) * scale;
        }
      }
    }
  }

  /** The scale of the block that starts at weight {@code index} (row x cols + col). */
  static float scaleOf(MemorySegment scales, long index) {
    return scales.get(FLOAT_LE, 4 * (index / BLOCK));
  }

  /**
   * The first 16 weights of the block starting at weight {@code index}, as F32 (the low nibbles):
   * what {@link #unpackRows} writes, for kernels that widen in registers. 16-lane floats only.
   */
  static FloatVector widenLowAt(MemorySegment packed, long index, float scale) {
    ByteVector q = ByteVector.fromMemorySegment(BYTES, packed, index / 2, ByteOrder.LITTLE_ENDIAN);
    return ((FloatVector) q.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, FLOATS, 0)).mul(scale);
  }

  /** The last 16 weights of the block starting at weight {@code index} (the high nibbles), as widenLowAt. */
  static FloatVector widenHighAt(MemorySegment packed, long index, float scale) {
    ByteVector q = ByteVector.fromMemorySegment(BYTES, packed, index / 2, ByteOrder.LITTLE_ENDIAN);
    return ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8)
        .convertShape(VectorOperators.B2F, FLOATS, 0)).mul(scale);
  }

  @Override
  public double bytesPerWeight() {
    return 0.5 + 4.0 / BLOCK;
  }
}
