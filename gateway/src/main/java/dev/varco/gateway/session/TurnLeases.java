package dev.varco.gateway.session;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;

/**
 * The turns in progress of a store that only this process writes (the embedded one): which
 * response holds which conversation, and until when. A gateway that dies loses them with its
 * memory, which is right: its turns died with it.
 */
final class TurnLeases {
  private record Lease(String responseId, long expiresAtNanos) {}

  private final ConcurrentMap<String, Lease> held = new ConcurrentHashMap<>();
  private final LongSupplier clock;

  TurnLeases(LongSupplier nanoClock) {
    this.clock = nanoClock;
  }

  boolean begin(String conversationId, String responseId, Duration lease) {
    long now = clock.getAsLong();
    Lease mine = new Lease(responseId, now + lease.toNanos());
    Lease result = held.compute(conversationId,
        (id, current) -> current == null || current.expiresAtNanos() - now <= 0 ? mine : current);
    return result == mine;
  }

  /** True while a turn holds the conversation. */
  boolean held(String conversationId) {
    Lease lease = held.get(conversationId);
    return lease != null && lease.expiresAtNanos() - clock.getAsLong() > 0;
  }

  void end(String conversationId, String responseId) {
    held.computeIfPresent(conversationId, (id, current) -> current.responseId().equals(responseId) ? null : current);
  }
}
