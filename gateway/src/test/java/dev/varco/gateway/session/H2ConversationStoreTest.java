package dev.varco.gateway.session;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract over the embedded H2 store, in a fresh directory per test. */
class H2ConversationStoreTest extends ConversationStoreContract {
  @TempDir Path dir;

  @Override
  ConversationStore openEmpty() {
    return H2ConversationStore.open(dir);
  }

  @Override
  ConversationStore reopen() {
    return H2ConversationStore.open(dir);
  }
}
