package dev.varco.gateway.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** The gateway tests' conversation store belongs to this run alone and does not outlive it. */
class TestRunStoreTest {
  @Test
  void theConfiguredStoreIsThisRunsOwn() {
    Path configured = Path.of(ConfigProvider.getConfig().getValue(TestRunStore.PROPERTY, String.class));
    assertEquals(TestRunStore.runDirectory(TestRunStore.ROOT, ProcessHandle.current().pid()), configured,
        "the store Quarkus opens in this run");
  }

  @Test
  void leftoversOfDeadRunsGoAndLiveRunsStay() throws IOException {
    Path root = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "store-root");
    Path mine = Files.createDirectories(TestRunStore.runDirectory(root, ProcessHandle.current().pid()));
    Files.writeString(mine.resolve("conversations.mv.db"), "live");
    long dead = deadPid();
    Path gone = Files.createDirectories(TestRunStore.runDirectory(root, dead).resolve("nested"));
    Files.writeString(gone.resolve("conversations.mv.db"), "old");
    Path legacy = Files.writeString(root.resolve("conversations.mv.db"), "from before per-run directories");

    TestRunStore.deleteDeadRuns(root);

    assertTrue(Files.exists(mine.resolve("conversations.mv.db")), "a running run keeps its store");
    assertFalse(Files.exists(TestRunStore.runDirectory(root, dead)), "a killed run's store is deleted");
    assertFalse(Files.exists(legacy), "the old shared store is deleted");
    TestRunStore.delete(root);
    assertFalse(Files.exists(root));
  }

  /** A process id that no process has now. */
  private static long deadPid() {
    for (long pid = 4_000_000; ; pid--) {
      if (ProcessHandle.of(pid).isEmpty()) {
        return pid;
      }
    }
  }
}
