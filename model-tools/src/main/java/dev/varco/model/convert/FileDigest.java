package dev.varco.model.convert;

import dev.varco.model.manifest.ModelManifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Size and SHA-256 of a written file, for the manifest's {@code files} table. */
final class FileDigest {
  private FileDigest() {}

  static ModelManifest.FileEntry of(Path file) throws IOException {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
    byte[] buffer = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      for (int read; (read = in.read(buffer)) > 0; ) {
        sha256.update(buffer, 0, read);
      }
    }
    return new ModelManifest.FileEntry(Files.size(file), HexFormat.of().formatHex(sha256.digest()));
  }
}
