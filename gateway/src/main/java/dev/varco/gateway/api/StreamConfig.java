package dev.varco.gateway.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How streamed answers treat clients that read slowly or not at all. */
@ConfigMapping(prefix = "varco.gateway.stream")
public interface StreamConfig {

  /**
   * Bytes an SSE answer may queue for a client that is not reading before its generation is
   * paused (the response's write-queue limit).
   */
  @WithDefault("65536")
  int maxBacklogBytes();

  /**
   * How long a paused answer waits for its client to read again; then the generation is stopped
   * (freeing its place in llm-service) and the stream ends with an error.
   */
  @WithDefault("PT30S")
  Duration stallTimeout();
}
