package dev.varco.gateway.session;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store contract over the embedded H2 store, in a fresh directory per test, its turn leases
 * on a clock the test moves.
 */
class H2ConversationStoreTest extends ConversationStoreContract {
  @TempDir Path dir;
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  @Override
  ConversationStore openEmpty() {
    return H2ConversationStore.open(dir, wallClock, nanos::get);
  }

  @Override
  ConversationStore reopen() {
    return H2ConversationStore.open(dir, wallClock, nanos::get);
  }

  @Override
  boolean imageStored(String sha256) {
    return ((H2ConversationStore) store).hasImage(sha256);
  }

  @Override
  void outliveLease(ConversationStore store, String conversationId, Duration lease) {
    nanos.addAndGet(lease.toNanos() - 1);
    assertFalse(store.beginTurn(conversationId, "resp_probe", Duration.ofMinutes(1)), "held until its last nanosecond");
    nanos.addAndGet(1);
  }
}
