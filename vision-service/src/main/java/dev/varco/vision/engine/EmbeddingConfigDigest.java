package dev.varco.vision.engine;

import dev.varco.model.manifest.ModelManifestIO;
import dev.varco.vision.encoder.EncoderOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A digest of everything besides the image that decides the embedding rows: the manifest (geometry,
 * normalisation, and the sha256 of every model file, weights included) and the encoder options
 * (precision, provider, batch size). Part of every cache key.
 */
public final class EmbeddingConfigDigest {
  private EmbeddingConfigDigest() {}

  public static String of(Path modelDir, EncoderOptions options) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      sha256.update(Files.readAllBytes(modelDir.resolve(ModelManifestIO.FILE_NAME)));
      sha256.update((byte) 0);
      sha256.update(options.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha256.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the manifest in " + modelDir, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }
}
