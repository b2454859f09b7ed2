package dev.varco.model.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;

/** The bytes of one tensor to be written, produced on demand so large tensors are streamed. */
@FunctionalInterface
public interface TensorData {
  void writeTo(WritableByteChannel out) throws IOException;

  /** Already-encoded little-endian bytes (e.g. a mapped slice of a source checkpoint). */
  static TensorData of(ByteBuffer bytes) {
    return out -> {
      ByteBuffer view = bytes.duplicate();
      while (view.hasRemaining()) {
        out.write(view);
      }
    };
  }

  /** Float values encoded as {@code dtype} (F32, F16 or BF16). */
  static TensorData ofFloats(float[] values, SafetensorsDType dtype) {
    return out -> {
      ByteBuffer buffer = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
      switch (dtype) {
        case F32 -> buffer.asFloatBuffer().put(values);
        case BF16 -> {
          for (int i = 0; i < values.length; i++) {
            buffer.putShort(i * 2, HalfFloats.floatToBf16(values[i]));
          }
        }
        case F16 -> {
          for (int i = 0; i < values.length; i++) {
            buffer.putShort(i * 2, HalfFloats.floatToF16(values[i]));
          }
        }
        default -> throw new IllegalArgumentException("cannot encode floats as " + dtype);
      }
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
    };
  }
}
