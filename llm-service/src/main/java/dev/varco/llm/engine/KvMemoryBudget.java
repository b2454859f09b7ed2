package dev.varco.llm.engine;

import java.util.Optional;

/**
 * The KV budget, made to fit the JVM's direct-memory limit. KV pages are direct buffers
 * ({@code transformer.KvCache} allocates them with {@code ByteBuffer.allocateDirect}), so a
 * budget above the limit fails with {@code OutOfMemoryError: Cannot reserve ... direct buffer
 * memory} long before the budget would evict anything. Scratch tensors and gRPC buffers are direct
 * too, hence a headroom next to the KV pages.
 *
 * @param bytes what {@code varco.llm.kv-cache.max-bytes} stands for
 */
public record KvMemoryBudget(long bytes) {
  static final String BUDGET_KEY = "varco.llm.kv-cache.max-bytes";
  static final String HEADROOM_KEY = "varco.llm.kv-cache.direct-memory-headroom";

  /**
   * The configured budget when it fits below {@code limit} with {@code headroom} to spare, or, when
   * none is configured, the limit minus the headroom.
   *
   * @throws IllegalStateException naming both settings when they disagree
   */
  public static KvMemoryBudget resolve(Optional<Long> configured, long headroom, DirectMemoryLimit limit) {
    long available = limit.bytes() - headroom;
    if (configured.isPresent()) {
      long budget = configured.get();
      if (budget <= available) {
        return new KvMemoryBudget(budget);
      }
      throw new IllegalStateException(BUDGET_KEY + "=" + MemoryAmount.format(budget) + " plus " + HEADROOM_KEY + "="
          + MemoryAmount.format(headroom) + " exceeds the JVM's direct-memory limit (" + limit.source()
          + "), and KV pages are direct memory: start the JVM with " + DirectMemoryLimit.FLAG + "="
          + MemoryAmount.formatCeilMib(budget + headroom) + " or more, or set " + BUDGET_KEY + " to at most "
          + (available > 0 ? MemoryAmount.format(available) : "0 (no room at all)") + " (unset, it takes that much)");
    }
    if (available <= 0) {
      throw new IllegalStateException("the JVM's direct-memory limit (" + limit.source() + ") leaves no room for KV pages next to "
          + HEADROOM_KEY + "=" + MemoryAmount.format(headroom) + ": start the JVM with " + DirectMemoryLimit.FLAG
          + " = the KV budget you want (" + BUDGET_KEY + ") plus the headroom");
    }
    return new KvMemoryBudget(available);
  }
}
