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
 * Only the model thread calls this class, but for {@link #heldImageSizes}, which reads a snapshot.
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
  /** What the idle buffers hold, republished at every change, for lookups off the model thread. */
  private volatile List<PromptContent> idleContents = List.of();
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

  /** Whether a buffer holding {@code content} is worth taking for a prompt sharing {@code shared} positions. */
  private static boolean worthTaking(PromptContent content, int shared) {
    return shared > 0 && 2L * shared >= content.length();
  }

  /** An idle buffer and how many leading positions of a prompt it holds. */
  private record Match(IdleEntry entry, int shared) {}

  /** The idle buffer {@link #acquire} would lend for {@code prompt} (null: a fresh one). */
  private Match bestMatch(PromptContent prompt, boolean cachePrompt) {
    Match best = null;
    if (reuse && cachePrompt) {
      for (IdleEntry entry : idle) {
        int shared = entry.content().sharedPrefixLength(prompt);
        if ((best == null || shared > best.shared()) && worthTaking(entry.content(), shared)) {
          best = new Match(entry, shared);
        }
      }
    }
    return best;
  }

  /** The leading prompt positions {@link #acquire} would find in the buffer it lends now. */
  int reusablePositions(PromptContent prompt, boolean cachePrompt) {
    Match best = bestMatch(prompt, cachePrompt);
    // The last prompt position is always computed: its logits start generation.
    return best == null ? 0 : Math.min(best.shared(), prompt.length() - 1);
  }

  /**
   * Off the model thread, before a prompt's images are encoded: the sizes of its leading images
   * whose rows an idle buffer holds now (see {@link PromptContent#heldImages}); they need not be
   * encoded as long as that buffer is still there when the request starts, which the model thread
   * checks ({@link #reusablePositions}). Empty with reuse off or {@code cachePrompt} false.
   */
  int[] heldImageSizes(int[] tokenIds, int imageTokenId, List<String> digests, boolean cachePrompt) {
    if (!reuse || !cachePrompt || digests.isEmpty()) {
      return new int[0];
    }
    PromptContent.HeldImages best = null;
    for (PromptContent content : idleContents) {
      PromptContent.HeldImages held = content.heldImages(tokenIds, imageTokenId, digests);
      if (worthTaking(content, held.sharedPositions())
          && (best == null || held.sharedPositions() > best.sharedPositions())) {
        best = held;
      }
    }
    return best == null ? new int[0] : best.imageSizes();
  }

  /**
   * Lends a buffer for {@code prompt}, reserving memory for {@code positions} positions.
   *
   * @param cachePrompt false = take a fresh buffer even when an idle one matches
   */
  Lease acquire(PromptContent prompt, int positions, boolean cachePrompt) {
    Match best = bestMatch(prompt, cachePrompt);
    PooledBuffer buffer;
    int reused;
    if (best != null) {
      idle.remove(best.entry());
      idleBytes -= best.entry().bytes();
      publishIdle();
      buffer = best.entry().buffer();
      // The last prompt position is always computed: its logits start generation.
      reused = Math.min(best.shared(), prompt.length() - 1);
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
      publishIdle();
    } else {
      buffer.kv.close();
    }
  }

  /** Closes idle buffers unused for longer than the TTL. */
  void evictExpired(long nowNanos) {
    int before = idle.size();
    Iterator<IdleEntry> it = idle.iterator();
    while (it.hasNext()) {
      IdleEntry entry = it.next();
      if (nowNanos - entry.idleSinceNanos() >= idleTtlNanos) {
        it.remove();
        idleBytes -= entry.bytes();
        entry.buffer().kv.close();
      }
    }
    if (idle.size() != before) {
      publishIdle();
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
    int before = idle.size();
    while (idleBytes > Math.max(0, allowedIdleBytes) && !idle.isEmpty()) {
      IdleEntry oldest = idle.removeFirst();
      idleBytes -= oldest.bytes();
      oldest.buffer().kv.close();
    }
    if (idle.size() != before) {
      publishIdle();
    }
  }

  private void publishIdle() {
    idleContents = idle.stream().map(IdleEntry::content).toList();
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
