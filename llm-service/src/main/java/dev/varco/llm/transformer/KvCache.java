package dev.varco.llm.transformer;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One sequence's keys and values, every layer, in pages of {@link #PAGE_POSITIONS} positions
 * allocated when first written. A page is a direct buffer, so all KV memory counts against the
 * JVM's {@code -XX:MaxDirectMemorySize} (one hard limit an operator can size), laid out per layer
 * as keys {@code [kv head][head dim][position in page]} then values {@code [position in page][kv
 * head][head dim]}; {@link #close()} drops the pages. Positions hold whatever was last written there: a cache reused for another
 * prompt is simply overwritten from the first position that differs.
 */
public final class KvCache implements AutoCloseable {
  public static final int PAGE_POSITIONS = 64;
  private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();

  /** Unique in this process: tensor-parallel shards name the sequence's cache slices by it. */
  private final long id = IDS.incrementAndGet();

  private final int layers;
  private final int kvWidth;
  private final int maxPositions;
  private final List<MemorySegment> pages = new ArrayList<>();
  private boolean closed;

  KvCache(int layers, int kvWidth, int maxPositions) {
    this.layers = layers;
    this.kvWidth = kvWidth;
    this.maxPositions = maxPositions;
  }

  /** Bytes of the pages that hold positions {@code 0 .. positions-1}. */
  public static long bytes(int layers, int kvWidth, int positions) {
    long pages = (positions + PAGE_POSITIONS - 1L) / PAGE_POSITIONS;
    return pages * pageBytes(layers, kvWidth);
  }

  private static long pageBytes(int layers, int kvWidth) {
    return (long) layers * 2 * PAGE_POSITIONS * kvWidth * Float.BYTES;
  }

  public long id() {
    return id;
  }

  public boolean isClosed() {
    return closed;
  }

  /** Positions the allocated pages cover. */
  public int capacity() {
    return pages.size() * PAGE_POSITIONS;
  }

  /** Bytes allocated now. */
  public long allocatedBytes() {
    return pages.size() * pageBytes(layers, kvWidth);
  }

  /** Allocates the pages positions {@code 0 .. positions-1} need. */
  void ensureCapacity(int positions) {
    if (closed) {
      throw new IllegalStateException("the KV cache is closed");
    }
    if (positions > maxPositions) {
      throw new IllegalArgumentException("position " + (positions - 1) + " is beyond the context of " + maxPositions);
    }
    while (capacity() < positions) {
      pages.add(MemorySegment.ofBuffer(
          ByteBuffer.allocateDirect(Math.toIntExact(pageBytes(layers, kvWidth))).order(ByteOrder.nativeOrder())));
    }
  }

  /** The page holding {@code position}. */
  MemorySegment page(int position) {
    return pages.get(position / PAGE_POSITIONS);
  }

  /**
   * Byte offset, inside the page of {@code position}, of element {@code column} (kv head x head
   * dim + dim) of its key. Keys are stored transposed, {@code [column][position in page]}, so the
   * scores of one query against consecutive keys are whole vectors of FMAs, no lane sums.
   */
  long keyOffset(int layer, int column, int position) {
    return (((long) 2 * layer * kvWidth + column) * PAGE_POSITIONS + position % PAGE_POSITIONS) * Float.BYTES;
  }

  /** Byte offset, inside the page of {@code position}, of its value row ({@code kvWidth} floats). */
  long valueOffset(int layer, int position) {
    return (((long) 2 * layer + 1) * PAGE_POSITIONS + position % PAGE_POSITIONS) * kvWidth * Float.BYTES;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      pages.clear();
    }
  }
}
