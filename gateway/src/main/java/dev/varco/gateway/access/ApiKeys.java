package dev.varco.gateway.access;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The configured API keys. Only SHA-256 digests are kept; a presented key is hashed and looked up,
 * then compared in constant time. Each key has a name (given as {@code name:key}, or derived from
 * its digest) that identifies its owner in conversations, limits and logs, never the key itself.
 */
public final class ApiKeys {
  private final Map<String, String> namesByDigest;

  private ApiKeys(Map<String, String> namesByDigest) {
    this.namesByDigest = Map.copyOf(namesByDigest);
  }

  /**
   * @param entries {@code name:key} or {@code key}
   * @throws IllegalArgumentException for an empty key or a name used twice
   */
  public static ApiKeys of(List<String> entries) {
    Map<String, String> names = new LinkedHashMap<>();
    for (String entry : entries) {
      String trimmed = entry.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      int colon = trimmed.indexOf(':');
      String key = colon < 0 ? trimmed : trimmed.substring(colon + 1).strip();
      if (key.isEmpty()) {
        throw new IllegalArgumentException("an API key entry has an empty key: '" + trimmed.substring(0, colon + 1) + "'");
      }
      String digest = digest(key);
      String name = colon < 0 ? "key-" + digest.substring(0, 8) : trimmed.substring(0, colon).strip();
      if (names.containsValue(name)) {
        throw new IllegalArgumentException("the API key name '" + name + "' is used twice");
      }
      names.put(digest, name);
    }
    return new ApiKeys(names);
  }

  /** The keys of the configuration: the list and the file together. */
  public static ApiKeys of(AccessConfig config) {
    List<String> entries = new ArrayList<>(config.apiKeys().orElse(List.of()));
    config.apiKeysFile().ifPresent(file -> entries.addAll(readLines(file)));
    return of(entries);
  }

  private static List<String> readLines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read varco.gateway.access.api-keys-file " + file, e);
    }
  }

  public boolean isEmpty() {
    return namesByDigest.isEmpty();
  }

  public int size() {
    return namesByDigest.size();
  }

  /** The name of the key, when it is one of ours. */
  public Optional<String> nameOf(String presentedKey) {
    if (presentedKey == null || presentedKey.isEmpty()) {
      return Optional.empty();
    }
    byte[] presented = HexFormat.of().parseHex(digest(presentedKey));
    String match = null;
    // Compare against every digest in constant time, so timing reveals nothing about the keys.
    for (Map.Entry<String, String> entry : namesByDigest.entrySet()) {
      if (MessageDigest.isEqual(presented, HexFormat.of().parseHex(entry.getKey()))) {
        match = entry.getValue();
      }
    }
    return Optional.ofNullable(match);
  }

  private static String digest(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }
}
