package dev.varco.model.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one {@code .safetensors} file. Tensors are written in the order added; the header is
 * padded with spaces so the data section starts 8-byte aligned, as the Python library does.
 */
public final class SafetensorsWriter {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A tensor queued for writing. */
  public record Entry(String name, SafetensorsDType dtype, long[] shape, TensorData data) {
    public long byteLength() {
      long count = 1;
      for (long dim : shape) {
        count *= dim;
      }
      return dtype.byteLength(count);
    }
  }

  private final List<Entry> entries = new ArrayList<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();

  public SafetensorsWriter metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  public SafetensorsWriter add(String name, SafetensorsDType dtype, long[] shape, TensorData data) {
    return add(new Entry(name, dtype, shape.clone(), data));
  }

  public SafetensorsWriter add(Entry entry) {
    for (Entry existing : entries) {
      if (existing.name().equals(entry.name())) {
        throw new IllegalArgumentException("tensor " + entry.name() + " added twice");
      }
    }
    entries.add(entry);
    return this;
  }

  public List<Entry> entries() {
    return List.copyOf(entries);
  }

  /** Total bytes of tensor data (the {@code total_size} of a shard index). */
  public long dataBytes() {
    return entries.stream().mapToLong(Entry::byteLength).sum();
  }

  /** Size of the file {@link #write} produces: length prefix, padded JSON header, tensor data. */
  public long fileBytes() throws IOException {
    return 8L + header().length + dataBytes();
  }

  public void write(Path file) throws IOException {
    byte[] header = header();
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer prefix = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
      prefix.putLong(header.length).put(header).flip();
      while (prefix.hasRemaining()) {
        out.write(prefix);
      }
      for (Entry entry : entries) {
        long before = out.position();
        entry.data().writeTo(out);
        long written = out.position() - before;
        if (written != entry.byteLength()) {
          throw new IOException("tensor " + entry.name() + " wrote " + written + " bytes, expected "
              + entry.byteLength());
        }
      }
    }
  }

  private byte[] header() throws IOException {
    ObjectNode root = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = root.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Entry entry : entries) {
      ObjectNode node = root.putObject(entry.name());
      node.put("dtype", entry.dtype().name());
      ArrayNode shape = node.putArray("shape");
      for (long dim : entry.shape()) {
        shape.add(dim);
      }
      ArrayNode offsets = node.putArray("data_offsets");
      offsets.add(offset);
      offset += entry.byteLength();
      offsets.add(offset);
    }
    byte[] json = JSON.writeValueAsBytes(root);
    int padded = (json.length + 7) / 8 * 8;
    byte[] header = new byte[padded];
    System.arraycopy(json, 0, header, 0, json.length);
    for (int i = json.length; i < padded; i++) {
      header[i] = ' ';
    }
    return header;
  }
}
