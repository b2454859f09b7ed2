package dev.varco.llm.shard.wire;

import dev.varco.llm.engine.BackendUnavailableException;

/**
 * A shard of the decoder cannot take part (dead, stalled past the deadline, or refusing): the
 * pass's requests fail with UNAVAILABLE naming it; nothing computed from a partial sum is used.
 */
public final class ShardUnavailableException extends BackendUnavailableException {
  public ShardUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
