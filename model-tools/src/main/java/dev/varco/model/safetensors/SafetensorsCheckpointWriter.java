package dev.varco.model.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes tensors as a Hugging Face checkpoint: one {@code model.safetensors}, or {@code n}
 * shards {@code model-0000i-of-0000n.safetensors} plus {@code model.safetensors.index.json},
 * the layout {@code save_pretrained} produces for large models.
 */
public final class SafetensorsCheckpointWriter {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SafetensorsCheckpointWriter() {}

  /**
   * Writes {@code entries} in order, split into {@code shards} files of roughly equal byte size.
   *
   * @return the files written, relative to {@code dir}
   */
  public static List<String> write(
      Path dir, List<SafetensorsWriter.Entry> entries, int shards, Map<String, String> metadata)
      throws IOException {
    if (shards < 1 || shards > entries.size()) {
      throw new IllegalArgumentException("cannot split " + entries.size() + " tensors into " + shards + " shards");
    }
    if (shards == 1) {
      SafetensorsWriter writer = new SafetensorsWriter();
      metadata.forEach(writer::metadata);
      entries.forEach(writer::add);
      writer.write(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE));
      return List.of(SafetensorsCheckpoint.SINGLE_FILE);
    }
    long total = entries.stream().mapToLong(SafetensorsWriter.Entry::byteLength).sum();
    List<SafetensorsWriter> writers = new ArrayList<>();
    for (int i = 0; i < shards; i++) {
      SafetensorsWriter writer = new SafetensorsWriter();
      metadata.forEach(writer::metadata);
      writers.add(writer);
    }
    // Greedy split in order: a shard is closed once it holds its share of the bytes, but every
    // shard keeps at least one tensor.
    int shard = 0;
    long written = 0;
    for (int i = 0; i < entries.size(); i++) {
      SafetensorsWriter.Entry entry = entries.get(i);
      int tensorsLeft = entries.size() - i;
      int shardsLeftAfterThis = shards - shard - 1;
      boolean shardHasData = !writers.get(shard).entries().isEmpty();
      if (shardHasData && shardsLeftAfterThis > 0
          && (written >= total * (shard + 1) / shards || tensorsLeft == shardsLeftAfterThis)) {
        shard++;
      }
      writers.get(shard).add(entry);
      written += entry.byteLength();
    }
    ObjectNode index = JSON.createObjectNode();
    index.putObject("metadata").put("total_size", total);
    ObjectNode weightMap = index.putObject("weight_map");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < shards; i++) {
      String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards);
      writers.get(i).write(dir.resolve(name));
      for (SafetensorsWriter.Entry entry : writers.get(i).entries()) {
        weightMap.put(entry.name(), name);
      }
      names.add(name);
    }
    JSON.writeValue(dir.resolve(SafetensorsCheckpoint.INDEX_FILE).toFile(), index);
    names.add(SafetensorsCheckpoint.INDEX_FILE);
    return names;
  }
}
