package dev.varco.llm.shard;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Rows of floats on the wire: little-endian float32, exactly the bits (no rounding, NaN kept). */
public final class FloatRows {
  private FloatRows() {}

  public static ByteString encode(float[] values, int count) {
    ByteBuffer buffer = ByteBuffer.allocate(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values, 0, count);
    return UnsafeByteOperations.unsafeWrap(buffer.array());
  }

  /** Decodes exactly {@code count} floats into {@code dest[0 .. count)}. */
  public static void decode(ByteString bytes, float[] dest, int count) {
    if (bytes.size() != count * Float.BYTES) {
      throw new IllegalArgumentException("expected " + count + " floats (" + count * Float.BYTES + " bytes), got "
          + bytes.size() + " bytes");
    }
    bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(dest, 0, count);
  }

  /**
   * {@code sum[i] += partial[i]} for {@code i < count}: one step of the rank-order sum
   * {@code ((p0 + p1) + p2) + ...}, the same float additions on every rank.
   */
  public static void addInto(float[] sum, ByteString partial, int count) {
    if (partial.size() != count * Float.BYTES) {
      throw new IllegalArgumentException("a partial sum of " + count + " floats has " + partial.size() + " bytes");
    }
    java.nio.FloatBuffer values = partial.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    for (int i = 0; i < count; i++) {
      sum[i] += values.get(i);
    }
  }
}
