package dev.varco.model.tiny;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.varco.model.convert.CheckpointConverter;
import dev.varco.model.convert.ConversionListener;
import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.manifest.ModelManifestIO;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The tiny test model as a ready service model directory: generates the Hugging Face checkpoint
 * into a sibling {@code <dir>-hf} and converts it, exactly as the 14B model is converted.
 * Idempotent: a directory prepared by the same generator version and seed is reused.
 *
 * <p>Safe across threads and JVMs: each directory is prepared under an exclusive file lock
 * ({@code <dir>.lock}), built in a temporary sibling and moved into place when complete.
 */
public final class TinyModel {
  public static final long DEFAULT_SEED = 0;
  /** Written beside manifest.json: which generator version and seed produced this directory. */
  public static final String MARKER_FILE = "tiny-model.json";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ConcurrentHashMap<Path, Object> LOCKS_IN_THIS_JVM = new ConcurrentHashMap<>();

  private TinyModel() {}

  /** Prepares the tiny model with the default seed; returns its manifest. */
  public static ModelManifest prepare(Path modelDir) {
    return prepare(modelDir, DEFAULT_SEED, ConversionListener.SILENT);
  }

  public static ModelManifest prepare(Path modelDir, long seed, ConversionListener listener) {
    Path dir = modelDir.toAbsolutePath().normalize();
    synchronized (LOCKS_IN_THIS_JVM.computeIfAbsent(dir, d -> new Object())) {
      try {
        Files.createDirectories(dir.getParent());
        Path lockFile = dir.resolveSibling(dir.getFileName() + ".lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.lock()) {
          if (isPrepared(dir, seed)) {
            return ModelManifestIO.read(dir);
          }
          return build(dir, seed, listener);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot prepare the tiny model in " + dir, e);
      }
    }
  }

  /** True when {@code dir} holds a complete tiny model of this generator version and seed. */
  public static boolean isPrepared(Path dir, long seed) {
    Path marker = dir.resolve(MARKER_FILE);
    if (!Files.isRegularFile(marker) || !Files.isRegularFile(dir.resolve(ModelManifestIO.FILE_NAME))) {
      return false;
    }
    try {
      JsonNode json = JSON.readTree(marker.toFile());
      return json.path("generator_version").asInt(-1) == TinyCheckpointGenerator.GENERATOR_VERSION
          && json.path("seed").isIntegralNumber() && json.path("seed").asLong() == seed;
    } catch (IOException e) {
      return false;
    }
  }

  private static ModelManifest build(Path dir, long seed, ConversionListener listener) throws IOException {
    Path checkpoint = dir.resolveSibling(dir.getFileName() + "-hf");
    Path staging = dir.resolveSibling(dir.getFileName() + ".staging");
    requireOwnedOrAbsent(dir);
    requireOwnedOrAbsent(checkpoint);
    deleteRecursively(checkpoint);
    deleteRecursively(staging);
    new TinyCheckpointGenerator(TinyModelSpec.DEFAULT, seed).generate(checkpoint, 1);
    writeMarker(checkpoint, seed);
    CheckpointConverter.convert(checkpoint, staging, TinyCheckpointGenerator.NAME, listener);
    writeMarker(staging, seed);
    deleteRecursively(dir);
    Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
    return ModelManifestIO.read(dir);
  }

  private static void writeMarker(Path dir, long seed) throws IOException {
    ObjectNode marker = JSON.createObjectNode();
    marker.put("generator_version", TinyCheckpointGenerator.GENERATOR_VERSION);
    marker.put("seed", seed);
    JSON.writeValue(dir.resolve(MARKER_FILE).toFile(), marker);
  }

  /** Never deletes a directory this class did not make (e.g. a real model pointed at by mistake). */
  private static void requireOwnedOrAbsent(Path dir) throws IOException {
    if (!Files.isDirectory(dir) || Files.isRegularFile(dir.resolve(MARKER_FILE))) {
      return;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      if (entries.findAny().isPresent()) {
        throw new IOException(dir + " exists and was not made by TinyModel (no " + MARKER_FILE
            + "); refusing to overwrite it");
      }
    }
  }

  static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(path)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
