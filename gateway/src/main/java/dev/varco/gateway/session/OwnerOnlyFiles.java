package dev.varco.gateway.session;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The embedded store holds every conversation of every key: its directory is made 0700 and its
 * database file 0600 before H2 opens it (H2 would create the file with the process umask, usually
 * 0644). A file left 0644 by an older version is narrowed too. No-ops where the file system has no
 * POSIX permissions.
 */
final class OwnerOnlyFiles {
  private OwnerOnlyFiles() {}

  /** Creates {@code directory} (0700) and {@code file} (0600) unless they exist, and narrows {@code file}. */
  static void prepare(Path directory, Path file) throws IOException {
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    if (!Files.isDirectory(directory)) {
      if (posix) {
        Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectories(directory);
      }
    }
    if (!posix) {
      return;
    }
    try {
      // An empty file is what H2 makes a new database of; created here, it never has wider permissions.
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException existing) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
  }
}
