package dev.varco.llm.model;

/**
 * A tensor-parallel shard of the decoder cannot take part (dead, stalled past the deadline, or
 * refusing): no pass can run until the shards are whole again, so the engine treats it as a
 * model-thread fault (requests fail with UNAVAILABLE naming the shard, readiness goes down, KV
 * caches are dropped and recovery rejoins the shards). Nothing computed from a partial sum is used.
 */
public final class ShardUnavailableException extends RuntimeException {
  public ShardUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
