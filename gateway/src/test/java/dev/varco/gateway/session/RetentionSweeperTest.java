package dev.varco.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.gateway.chat.ChatMessage.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The sweeper on its own thread against a real embedded store (under target/): what is past the
 * retention goes without anyone calling the store, and bad settings are refused naming the key.
 */
class RetentionSweeperTest {
  private static final Path DIR = Path.of("target", "retention-sweeper-test", Long.toString(ProcessHandle.current().pid()));

  @AfterAll
  static void deleteStore() throws java.io.IOException {
    if (java.nio.file.Files.exists(DIR)) {
      try (var paths = java.nio.file.Files.walk(DIR)) {
        for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          java.nio.file.Files.delete(path);
        }
      }
    }
  }

  @Test
  void theSweeperDeletesWhatIsPastRetentionByItself() throws Exception {
    AtomicLong wall = new AtomicLong(System.currentTimeMillis() / 1000);
    try (H2ConversationStore store = H2ConversationStore.open(DIR.resolve("sweep"),
        () -> Instant.ofEpochSecond(wall.get()), System::nanoTime)) {
      Conversation old = store.createConversation("alice", Map.of(), List.of(new ConversationItem(SessionIds.item(),
          Role.USER, List.of(new ItemContent.InputText("hi")), 1)));
      wall.addAndGet(3600);
      Conversation fresh = store.createConversation("alice", Map.of(), List.of());
      RetentionSweeper sweeper = new RetentionSweeper();
      sweeper.store = store;
      sweeper.schedule(new Retention(Duration.ofMinutes(30), 0, Duration.ZERO, 0), Duration.ofMillis(50), 10,
          Duration.ZERO);
      try {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (store.conversation("alice", old.id()).isPresent() && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
      } finally {
        sweeper.stop();
      }
      assertTrue(store.conversation("alice", old.id()).isEmpty(), "swept without being asked");
      assertTrue(store.conversation("alice", fresh.id()).isPresent());
    }
  }

  @Test
  void badSettingsAreRefusedNamingTheKey() {
    RetentionSweeper sweeper = new RetentionSweeper();
    Retention hour = new Retention(Duration.ofHours(1), 0, Duration.ZERO, 0);
    assertMessage("varco.gateway.store.retention.sweep-batch is 0",
        () -> sweeper.schedule(hour, Duration.ofMinutes(1), 0, Duration.ZERO));
    assertMessage("varco.gateway.store.retention.sweep-interval is PT0S",
        () -> sweeper.schedule(hour, Duration.ZERO, 10, Duration.ZERO));
    assertMessage("varco.gateway.store.retention.conversation-max-age is PT-1S",
        () -> new Retention(Duration.ofSeconds(-1), 0, Duration.ZERO, 0));
    assertMessage("varco.gateway.store.retention.max-responses-per-key is -1",
        () -> new Retention(Duration.ZERO, 0, Duration.ZERO, -1));
  }

  private static void assertMessage(String start, org.junit.jupiter.api.function.Executable call) {
    String message = assertThrows(IllegalArgumentException.class, call).getMessage();
    assertTrue(message.startsWith(start), message);
    assertEquals(true, message.contains("must be"), message);
  }
}
