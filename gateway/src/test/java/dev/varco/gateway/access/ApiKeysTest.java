package dev.varco.gateway.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
  @Test
  void namedAndUnnamedKeysAreFoundByTheKeyOnly() {
    ApiKeys keys = ApiKeys.of(List.of("alice:sk-alice-123", "sk-anonymous", "# a comment", " "));
    assertEquals(2, keys.size());
    assertEquals(Optional.of("alice"), keys.nameOf("sk-alice-123"));
    String derived = keys.nameOf("sk-anonymous").orElseThrow();
    assertTrue(derived.startsWith("key-") && !derived.contains("sk-"), "a derived name never shows the key: " + derived);
    assertEquals(Optional.empty(), keys.nameOf("sk-alice-12"));
    assertEquals(Optional.empty(), keys.nameOf("alice"));
    assertEquals(Optional.empty(), keys.nameOf(""));
    assertEquals(Optional.empty(), keys.nameOf(null));
  }

  @Test
  void badEntriesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> ApiKeys.of(List.of("alice:")));
    assertThrows(IllegalArgumentException.class, () -> ApiKeys.of(List.of("alice:k1", "alice:k2")));
  }

  @Test
  void keysComeFromTheListAndTheFile() throws Exception {
    Path file = Files.createDirectories(Path.of("target", "api-keys-test")).resolve("keys.txt");
    Files.writeString(file, "# team keys\nbob:sk-bob\n\ncarol:sk-carol\n");
    AccessConfig config = new AccessConfig() {
      public Optional<List<String>> apiKeys() { return Optional.of(List.of("alice:sk-alice")); }
      public Optional<Path> apiKeysFile() { return Optional.of(file); }
      public int requestsPerMinute() { return 1; }
      public int burst() { return 1; }
      public int maxConcurrentRequests() { return 1; }
    };
    ApiKeys keys = ApiKeys.of(config);
    assertEquals(3, keys.size());
    assertEquals(Optional.of("carol"), keys.nameOf("sk-carol"));
  }
}
