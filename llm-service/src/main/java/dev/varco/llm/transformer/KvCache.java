package dev.varco.llm.transformer;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One sequence's keys and values, every layer, in pages of {@link #PAGE_POSITIONS} positions
 * allocated when first written. A page is a direct buffer, so all KV memory counts against the
 * JVM's {@code -XX:MaxDirectMemorySize} (one hard limit an operator can size), laid out
 * {@code [layer][key|value][position in page][kv head][head dim]}; {@link #close()} drops the pages. Positions hold whatever was last written there: a cache reused for another
 * prompt is simply overwritten from the first position that differs.
 */
public final class KvCache implements AutoCloseable {
  public static final int PAGE_POSITIONS = 64;

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

  /** Byte offset of the key (or value) row of {@code position} for {@code layer} inside its page. */
  long offset(int layer, boolean value, int position) {
    long row = ((long) (2 * layer + (value ? 1 : 0)) * PAGE_POSITIONS + position % PAGE_POSITIONS);
    return row * kvWidth * Float.BYTES;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      pages.clear();
    }
  }
}
