package dev.varco.llm.engine;

import dev.varco.llm.transformer.KvCache;
import dev.varco.llm.model.KvFootprint;
import dev.varco.llm.model.PromptContent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;

/**
 * The KV buffers of the model: lent to running requests, and kept afterwards (idle) so a later
 * prompt that starts the same way (the next turn of a conversation) prefills only what is new.
 *
 * <p>All memory is accounted in bytes against one budget: running requests reserve the pages their
 * prompt + max_tokens can touch; idle buffers keep the pages they hold. Idle buffers are evicted
 * least-recently-used first when the budget is needed, after an idle TTL, and all at close, and
 * every evicted buffer is closed (its direct-buffer pages are freed when collected).
 *
 * <p>A request takes the idle buffer sharing the longest prefix with its prompt, from any
 * conversation, and owns it while it runs, so two requests never share a buffer. Taking a buffer
 * destroys what it held beyond the shared prefix, so a buffer is only taken when the prompt shares
 * at least half of its positions (the next turn of its conversation, a retry); a short match such
 * as a common system prompt is not worth another conversation's cache, and gets a fresh buffer.
 * Only the model thread calls this class.
 */
final class KvCachePool implements AutoCloseable {
  /** A buffer and the highest number of positions ever written to it (its pages stay allocated). */
  private static final class PooledBuffer {
    final KvCache kv;
    int touchedPositions;

    PooledBuffer(KvCache kv) {
      this.kv = kv;
    }
  }

  private record IdleEntry(PooledBuffer buffer, PromptContent content, long bytes, long idleSinceNanos) {}

  /** A buffer lent to one request. */
  static final class Lease {
    private final PooledBuffer buffer;
    private final int reusedPositions;
    private final long reservedBytes;
    private final int reservedPositions;

    private Lease(PooledBuffer buffer, int reusedPositions, long reservedBytes, int reservedPositions) {
      this.buffer = buffer;
      this.reusedPositions = reusedPositions;
      this.reservedBytes = reservedBytes;
      this.reservedPositions = reservedPositions;
    }

    KvCache kv() {
      return buffer.kv;
    }

    /** Leading prompt positions already in the buffer. */
    int reusedPositions() {
      return reusedPositions;
    }
  }

  private final Supplier<KvCache> newBuffer;
  private final KvFootprint footprint;
  private final long budgetBytes;
  private final long idleTtlNanos;
  private final boolean reuse;
  /** Least recently used first. */
  private final List<IdleEntry> idle = new ArrayList<>();
  // Written by the model thread only; volatile so metrics can read them.
  private volatile long runningBytes;
  private volatile long idleBytes;

  /**
   * @param reuse false = every request gets a fresh buffer and nothing is kept
   */
  KvCachePool(
      Supplier<KvCache> newBuffer, KvFootprint footprint, long budgetBytes, long idleTtlNanos, boolean reuse) {
    this.newBuffer = newBuffer;
    this.footprint = footprint;
    this.budgetBytes = budgetBytes;
    this.idleTtlNanos = idleTtlNanos;
    this.reuse = reuse;
  }

  /** Bytes a request of this many positions needs at most (page rounding included). */
  long bytesFor(int positions) {
    return footprint.bytes(positions);
  }

  long budgetBytes() {
    return budgetBytes;
  }

  /**
   * Whether a request of {@code positions} may start now: it fits next to the running requests
   * (idle buffers are evicted to make room). With nothing running any request that fits the whole
   * budget may start.
   */
  boolean fits(int positions) {
    return runningBytes + footprint.bytes(positions) <= budgetBytes;
  }

  /**
   * Lends a buffer for {@code prompt}, reserving memory for {@code positions} positions.
   *
   * @param cachePrompt false = take a fresh buffer even when an idle one matches
   */
  Lease acquire(PromptContent prompt, int positions, boolean cachePrompt) {
    IdleEntry best = null;
    int bestShared = 0;
    if (reuse && cachePrompt) {
      for (IdleEntry entry : idle) {
        int shared = entry.content().sharedPrefixLength(prompt);
        if (shared > bestShared && 2L * shared >= entry.content().length()) {
          best = entry;
          bestShared = shared;
        }
      }
    }
    PooledBuffer buffer;
    int reused;
    if (best != null) {
      idle.remove(best);
      idleBytes -= best.bytes();
      buffer = best.buffer();
      // The last prompt position is always computed: its logits start generation.
      reused = Math.min(bestShared, prompt.length() - 1);
    } else {
      buffer = new PooledBuffer(newBuffer.get());
      reused = 0;
    }
    int reservedPositions = Math.max(buffer.touchedPositions, positions);
    long reserved = footprint.bytes(reservedPositions);
    runningBytes += reserved;
    trimIdleTo(budgetBytes - runningBytes);
    return new Lease(buffer, reused, reserved, reservedPositions);
  }

  /**
   * Takes a buffer back. With {@code keep}, it stays idle holding {@code content} (what its first
   * positions now hold) if the budget allows; otherwise it is closed.
   */
  void release(Lease lease, PromptContent content, boolean keep) {
    runningBytes -= lease.reservedBytes;
    PooledBuffer buffer = lease.buffer;
    buffer.touchedPositions = Math.max(buffer.touchedPositions, Math.min(content.length(), lease.reservedPositions));
    long bytes = footprint.bytes(buffer.touchedPositions);
    if (keep && reuse && content.length() > 0 && bytes <= budgetBytes - runningBytes) {
      trimIdleTo(budgetBytes - runningBytes - bytes);
      idle.add(new IdleEntry(buffer, content, bytes, System.nanoTime()));
      idleBytes += bytes;
    } else {
      buffer.kv.close();
    }
  }

  /** Closes idle buffers unused for longer than the TTL. */
  void evictExpired(long nowNanos) {
    Iterator<IdleEntry> it = idle.iterator();
    while (it.hasNext()) {
      IdleEntry entry = it.next();
      if (nowNanos - entry.idleSinceNanos() >= idleTtlNanos) {
        it.remove();
        idleBytes -= entry.bytes();
        entry.buffer().kv.close();
      }
    }
  }

  /** Nanoseconds until the oldest idle buffer expires, or -1 when none is idle. */
  long nanosUntilNextExpiry(long nowNanos) {
    if (idle.isEmpty()) {
      return -1;
    }
    return Math.max(0, idle.getFirst().idleSinceNanos() + idleTtlNanos - nowNanos);
  }

  private void trimIdleTo(long allowedIdleBytes) {
    while (idleBytes > Math.max(0, allowedIdleBytes) && !idle.isEmpty()) {
      IdleEntry oldest = idle.removeFirst();
      idleBytes -= oldest.bytes();
      oldest.buffer().kv.close();
    }
  }

  long runningBytes() {
    return runningBytes;
  }

  long idleBytes() {
    return idleBytes;
  }

  @Override
  public void close() {
    trimIdleTo(0);
  }
}
