package dev.varco.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Gives each test run (one JVM) its own embedded conversation store,
 * {@code target/test-conversation-store/run-<pid>}, deleted when the run ends, so conversations
 * never pile up across runs (a listing test once failed after a few dozen local runs). Leftovers
 * of runs that were killed are deleted at the next start; a directory whose process still lives (a
 * concurrent run) is left alone. Registered through META-INF/services, so it runs before any
 * Quarkus application starts and reads {@code varco.gateway.store.dir}.
 */
public final class TestRunStore implements LauncherSessionListener {
  public static final String PROPERTY = "varco.gateway.store.dir";
  static final Path ROOT = Path.of("target", "test-conversation-store");

  private Path mine;

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    if (System.getProperty(PROPERTY) != null) {
      return; // chosen by whoever runs the tests
    }
    deleteDeadRuns(ROOT);
    mine = runDirectory(ROOT, ProcessHandle.current().pid());
    System.setProperty(PROPERTY, mine.toString());
  }

  @Override
  public void launcherSessionClosed(LauncherSession session) {
    if (mine != null) {
      delete(mine);
      System.clearProperty(PROPERTY);
      mine = null;
    }
  }

  static Path runDirectory(Path root, long pid) {
    return root.resolve("run-" + pid);
  }

  /** Deletes what {@code root} holds except the directories of runs whose process is alive. */
  static void deleteDeadRuns(Path root) {
    if (!Files.isDirectory(root)) {
      return;
    }
    try (Stream<Path> entries = Files.list(root)) {
      entries.filter(entry -> !alive(entry.getFileName().toString())).forEach(TestRunStore::delete);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean alive(String name) {
    if (!name.matches("run-\\d{1,18}")) {
      return false;
    }
    long pid = Long.parseLong(name.substring(4));
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  static void delete(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      walk.sorted(Comparator.reverseOrder()).forEach(entry -> {
        try {
          Files.delete(entry);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
