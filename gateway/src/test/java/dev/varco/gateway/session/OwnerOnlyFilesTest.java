package dev.varco.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** The embedded store's database file is 0600 and its directory 0700, new or left 0644 by an older version. */
class OwnerOnlyFilesTest {
  private static final Path ROOT = Path.of("target", "owner-only-files-test");

  private static String permissions(Path path) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  @Test
  void aNewStoreIsReadableByItsOwnerOnly() throws Exception {
    Path dir = ROOT.resolve("new-" + ProcessHandle.current().pid());
    H2ConversationStore store = H2ConversationStore.open(dir);
    try {
      store.createConversation("local", java.util.Map.of(), java.util.List.of());
      assertEquals("rwx------", permissions(dir));
      assertEquals("rw-------", permissions(dir.resolve("conversations.mv.db")));
    } finally {
      store.close();
    }
  }

  @Test
  void anOlderWorldReadableFileIsNarrowed() throws Exception {
    Path dir = ROOT.resolve("old-" + ProcessHandle.current().pid());
    H2ConversationStore.open(dir).close();
    Path file = dir.resolve("conversations.mv.db");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    H2ConversationStore store = H2ConversationStore.open(dir);
    try {
      assertEquals("rw-------", permissions(file));
    } finally {
      store.close();
    }
  }
}
