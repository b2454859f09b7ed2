package dev.varco.gateway.access;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Who may call the gateway and how much: documented in gateway/README.md ("Keys and limits"). */
@ConfigMapping(prefix = "varco.gateway.access")
public interface AccessConfig {
  /**
   * API keys accepted as {@code Authorization: Bearer <key>}, each {@code name:key} or just
   * {@code key}. None configured (here or in the file) = loopback clients only, no key needed.
   */
  Optional<List<String>> apiKeys();

  /** A file with one key per line in the same form; {@code #} starts a comment. */
  Optional<Path> apiKeysFile();

  /** Requests each key may start per minute, sustained. */
  @WithDefault("600")
  int requestsPerMinute();

  /** Requests a key may start at once above the sustained rate (the bucket's size). */
  @WithDefault("60")
  int burst();

  /** Requests of one key in flight at once (a streamed answer counts until it ends). */
  @WithDefault("8")
  int maxConcurrentRequests();
}
