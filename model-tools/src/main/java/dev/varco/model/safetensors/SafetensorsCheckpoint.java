package dev.varco.model.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of a Hugging Face checkpoint directory: either one {@code model.safetensors} or
 * shards listed by {@code model.safetensors.index.json} (its {@code weight_map}: tensor name ->
 * shard file). Tensors are looked up by name across all shards.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
  public static final String SINGLE_FILE = "model.safetensors";
  public static final String INDEX_FILE = "model.safetensors.index.json";

  private final List<SafetensorsFile> files;
  private final Map<String, SafetensorsFile> fileByTensor;

  private SafetensorsCheckpoint(List<SafetensorsFile> files, Map<String, SafetensorsFile> fileByTensor) {
    this.files = files;
    this.fileByTensor = fileByTensor;
  }

  /**
   * Opens the weights of {@code dir}; the index wins when both layouts are present.
   *
   * @throws NoSuchFileException when the directory has neither file
   */
  public static SafetensorsCheckpoint open(Path dir) throws IOException {
    Path index = dir.resolve(INDEX_FILE);
    Path single = dir.resolve(SINGLE_FILE);
    List<SafetensorsFile> files = new ArrayList<>();
    Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
    try {
      if (Files.isRegularFile(index)) {
        JsonNode weightMap = new ObjectMapper().readTree(index.toFile()).get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
          throw new IOException(index + " has no weight_map");
        }
        Map<String, SafetensorsFile> byShardName = new LinkedHashMap<>();
        for (var entry : weightMap.properties()) {
          String shardName = entry.getValue().asText();
          SafetensorsFile shard = byShardName.get(shardName);
          if (shard == null) {
            Path shardPath = dir.resolve(shardName);
            if (!Files.isRegularFile(shardPath)) {
              throw new NoSuchFileException(shardPath.toString(), null, "shard named by " + INDEX_FILE + " is missing");
            }
            shard = SafetensorsFile.open(shardPath);
            byShardName.put(shardName, shard);
            files.add(shard);
          }
          if (!shard.tensors().containsKey(entry.getKey())) {
            throw new IOException(INDEX_FILE + " puts " + entry.getKey() + " in " + shardName
                + ", but that shard does not hold it");
          }
          byTensor.put(entry.getKey(), shard);
        }
      } else if (Files.isRegularFile(single)) {
        SafetensorsFile file = SafetensorsFile.open(single);
        files.add(file);
        file.tensors().keySet().forEach(name -> byTensor.put(name, file));
      } else {
        throw new NoSuchFileException(dir.toString(), null,
            "no " + SINGLE_FILE + " and no " + INDEX_FILE + " in this directory");
      }
    } catch (IOException | RuntimeException e) {
      for (SafetensorsFile file : files) {
        file.close();
      }
      throw e;
    }
    return new SafetensorsCheckpoint(List.copyOf(files), Collections.unmodifiableMap(byTensor));
  }

  /** Tensor names, in index (or header) order. */
  public Iterable<String> names() {
    return fileByTensor.keySet();
  }

  public boolean contains(String name) {
    return fileByTensor.containsKey(name);
  }

  public TensorInfo info(String name) {
    return file(name).info(name);
  }

  public ByteBuffer bytes(String name) throws IOException {
    return file(name).bytes(name);
  }

  public float[] floats(String name) throws IOException {
    return file(name).floats(name);
  }

  /** The file holding a tensor (for copying very large tensors in slices). */
  public SafetensorsFile file(String name) {
    SafetensorsFile file = fileByTensor.get(name);
    if (file == null) {
      throw new IllegalArgumentException("the checkpoint has no tensor named " + name);
    }
    return file;
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    for (SafetensorsFile file : files) {
      try {
        file.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
