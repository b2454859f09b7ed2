package dev.varco.model.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The weight file beside an ONNX graph. Each tensor starts on a 4096-byte boundary so ONNX
 * Runtime can memory-map it; the graph refers to it by location, offset and length.
 */
final class ExternalDataFile implements AutoCloseable {
  static final int ALIGNMENT = 4096;

  private final FileChannel channel;
  private long position;

  ExternalDataFile(Path file) throws IOException {
    this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE);
  }

  /** Appends float32 values little-endian; returns their offset in the file. */
  long append(float[] values) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    return append(buffer);
  }

  /** Appends raw bytes (int8 weights); returns their offset in the file. */
  long append(byte[] values) throws IOException {
    return append(ByteBuffer.wrap(values));
  }

  private long append(ByteBuffer buffer) throws IOException {
    long aligned = (position + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    long at = aligned;
    while (buffer.hasRemaining()) {
      at += channel.write(buffer, at);
    }
    position = at;
    return aligned;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
