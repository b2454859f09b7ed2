package dev.varco.model.manifest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads and writes {@code manifest.json}; refuses a directory that is not a model directory. */
public final class ModelManifestIO {
  public static final String FILE_NAME = "manifest.json";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ModelManifestIO() {}

  /**
   * Loads the manifest of a model directory.
   *
   * @throws InvalidModelDirectoryException naming what is missing or unexpected
   */
  public static ModelManifest read(Path modelDir) {
    Path file = modelDir.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      throw new InvalidModelDirectoryException(
          modelDir + " is not a VARCO model directory: " + FILE_NAME + " is missing"
              + " (convert a Hugging Face checkpoint with model-tools first)");
    }
    ModelManifest manifest;
    try {
      manifest = JSON.readValue(file.toFile(), ModelManifest.class);
    } catch (IOException e) {
      throw new InvalidModelDirectoryException(file + " is not valid manifest JSON: " + e.getMessage());
    }
    if (!ModelManifest.FORMAT.equals(manifest.format())) {
      throw new InvalidModelDirectoryException(
          file + ": format is '" + manifest.format() + "', expected '" + ModelManifest.FORMAT + "'");
    }
    if (manifest.formatVersion() != ModelManifest.FORMAT_VERSION) {
      throw new InvalidModelDirectoryException(
          file + ": format_version " + manifest.formatVersion() + " is not supported (expected "
              + ModelManifest.FORMAT_VERSION + "); re-run the converter");
    }
    if (manifest.vision() == null || manifest.llm() == null) {
      throw new InvalidModelDirectoryException(file + ": the 'vision' or 'llm' section is missing");
    }
    return manifest;
  }

  public static void write(Path modelDir, ModelManifest manifest) throws IOException {
    Files.createDirectories(modelDir);
    JSON.writeValue(modelDir.resolve(FILE_NAME).toFile(), manifest);
  }
}
