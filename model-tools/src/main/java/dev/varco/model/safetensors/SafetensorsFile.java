package dev.varco.model.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A single {@code .safetensors} file: an 8-byte little-endian header length, a JSON header
 * (name -> dtype, shape, data_offsets; optional {@code __metadata__}), then the raw data.
 * Tensor data is memory-mapped per tensor, so files far larger than the heap (and than the 2 GiB
 * a single mapping allows) can be read.
 */
public final class SafetensorsFile implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The format's own guard against absurd headers (100 MB). */
  private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(
      Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
      Map<String, String> metadata) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  public static SafetensorsFile open(Path path) throws IOException {
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
    try {
      ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, lengthBytes, 0);
      long headerLength = lengthBytes.flip().getLong();
      if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > channel.size()) {
        throw new IOException(path + " is not a safetensors file (header length " + headerLength + ")");
      }
      ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
      readFully(channel, headerBytes, 8);
      JsonNode header = JSON.readTree(new String(headerBytes.array(), StandardCharsets.UTF_8));
      long dataStart = 8 + headerLength;
      long dataLength = channel.size() - dataStart;
      Map<String, TensorInfo> tensors = new LinkedHashMap<>();
      Map<String, String> metadata = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> field : header.properties()) {
        if (field.getKey().equals("__metadata__")) {
          field.getValue().properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asText()));
          continue;
        }
        TensorInfo info = parseEntry(path, field.getKey(), field.getValue());
        if (info.end() > dataLength) {
          throw new IOException(path + ": tensor " + info.name() + " ends past the end of the file");
        }
        tensors.put(info.name(), info);
      }
      return new SafetensorsFile(path, channel, dataStart, Collections.unmodifiableMap(tensors),
          Collections.unmodifiableMap(metadata));
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static TensorInfo parseEntry(Path path, String name, JsonNode entry) throws IOException {
    JsonNode shapeNode = entry.get("shape");
    JsonNode offsets = entry.get("data_offsets");
    if (entry.get("dtype") == null || shapeNode == null || offsets == null || offsets.size() != 2) {
      throw new IOException(path + ": header entry for " + name + " lacks dtype, shape or data_offsets");
    }
    SafetensorsDType dtype = SafetensorsDType.fromHeader(entry.get("dtype").asText());
    long[] shape = new long[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeNode.get(i).asLong();
    }
    TensorInfo info = new TensorInfo(name, dtype, shape, offsets.get(0).asLong(), offsets.get(1).asLong());
    if (info.byteLength() != dtype.byteLength(info.elementCount())) {
      throw new IOException(path + ": tensor " + name + " has " + info.byteLength() + " bytes, but "
          + dtype + info.shapeString() + " needs " + dtype.byteLength(info.elementCount()));
    }
    return info;
  }

  private static void readFully(FileChannel channel, ByteBuffer target, long position) throws IOException {
    while (target.hasRemaining()) {
      int read = channel.read(target, position + target.position());
      if (read < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  public Path path() {
    return path;
  }

  /** Tensors in header order. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  public TensorInfo info(String name) {
    TensorInfo info = tensors.get(name);
    if (info == null) {
      throw new IllegalArgumentException(path + " has no tensor named " + name);
    }
    return info;
  }

  /** The tensor's raw bytes, little-endian, memory-mapped read-only. */
  public ByteBuffer bytes(String name) throws IOException {
    TensorInfo info = info(name);
    if (info.byteLength() > Integer.MAX_VALUE) {
      throw new IOException(path + ": tensor " + name + " is larger than 2 GiB; copy it in slices");
    }
    return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), info.byteLength())
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Copies {@code length} raw bytes of a tensor starting at {@code offset} (for very large tensors). */
  public ByteBuffer bytes(String name, long offset, int length) throws IOException {
    TensorInfo info = info(name);
    if (offset < 0 || offset + length > info.byteLength()) {
      throw new IndexOutOfBoundsException("slice outside tensor " + name);
    }
    return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin() + offset, length)
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The tensor as float32 values (F32, F16 and BF16 tensors). */
  public float[] floats(String name) throws IOException {
    TensorInfo info = info(name);
    if (info.elementCount() > Integer.MAX_VALUE - 8) {
      throw new IOException(path + ": tensor " + name + " is too large for a float array");
    }
    ByteBuffer data = bytes(name);
    float[] values = new float[(int) info.elementCount()];
    switch (info.dtype()) {
      case F32 -> data.asFloatBuffer().get(values);
      case BF16 -> {
        for (int i = 0; i < values.length; i++) {
          values[i] = HalfFloats.bf16ToFloat(data.getShort(i * 2));
        }
      }
      case F16 -> {
        for (int i = 0; i < values.length; i++) {
          values[i] = HalfFloats.f16ToFloat(data.getShort(i * 2));
        }
      }
      default -> throw new IOException(
          path + ": tensor " + name + " has dtype " + info.dtype() + ", not a float type");
    }
    return values;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
