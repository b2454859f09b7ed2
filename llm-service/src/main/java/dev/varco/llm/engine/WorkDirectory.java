package dev.varco.llm.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * This process's private directory under {@code varco.llm.work-dir}: {@code run-<pid>}. Directories
 * left by processes that no longer exist (killed before they could clean up) are removed when the
 * next one starts; nothing else under the configured directory is touched.
 */
final class WorkDirectory {
  private static final String PREFIX = "run-";

  private WorkDirectory() {}

  static Path create(Path root) {
    try {
      Files.createDirectories(root);
      try (Stream<Path> entries = Files.list(root)) {
        for (Path entry : entries.toList()) {
          String name = entry.getFileName().toString();
          if (name.startsWith(PREFIX) && isStale(name.substring(PREFIX.length()))) {
            deleteRecursively(entry);
          }
        }
      }
      Path mine = root.resolve(PREFIX + ProcessHandle.current().pid());
      deleteRecursively(mine);
      return Files.createDirectories(mine);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the work directory " + root, e);
    }
  }

  private static boolean isStale(String pid) {
    try {
      long id = Long.parseLong(pid);
      return id != ProcessHandle.current().pid() && ProcessHandle.of(id).map(p -> !p.isAlive()).orElse(true);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  static void deleteRecursively(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(path)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + path, e);
    }
  }
}
