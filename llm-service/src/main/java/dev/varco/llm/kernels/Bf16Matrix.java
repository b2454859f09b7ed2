package dev.varco.llm.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** bfloat16 weights: the upper 16 bits of a float32, so widening is a 16-bit shift. */
public record Bf16Matrix(MemorySegment data, int rows, int cols) implements WeightMatrix {
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Short> SHORTS =
      ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(FLOATS.length() * 16));

  public Bf16Matrix {
    MatrixShapes.check(data.byteSize(), 2.0, rows, cols);
  }

  @Override
  public void unpackRows(int firstRow, int count, float[] dest) {
    long base = (long) firstRow * cols * 2;
    int total = count * cols;
    int lanes = FLOATS.length();
    int i = 0;
    for (; i <= total - lanes; i += lanes) {
      ShortVector bits = ShortVector.fromMemorySegment(SHORTS, data, base + 2L * i, ByteOrder.LITTLE_ENDIAN);
      IntVector wide = (IntVector) bits.convertShape(VectorOperators.S2I, INTS, 0);
      wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dest, i);
    }
    for (; i < total; i++) {
      dest[i] = widen(data.get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), base + 2L * i));
    }
  }

  /** The F32 vector of the bf16 weights at {@code byteOffset}: what {@link #unpackRows} writes. */
  static FloatVector widenAt(MemorySegment data, long byteOffset) {
    ShortVector bits = ShortVector.fromMemorySegment(SHORTS, data, byteOffset, ByteOrder.LITTLE_ENDIAN);
    return ((IntVector) bits.convertShape(VectorOperators.S2I, INTS, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
  }

  static float widen(short bits) {
    return Float.intBitsToFloat(bits << 16);
  }

  @Override
  public double bytesPerWeight() {
    return 2;
  }
}
