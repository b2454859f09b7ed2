package dev.varco.llm.model;

import java.util.function.IntToLongFunction;

/**
 * Bytes of memory a KV cache holds for a number of positions, page rounding included, so the
 * engine can account for KV memory exactly (see {@code transformer.KvCache}).
 */
public final class KvFootprint {
  private final IntToLongFunction bytesForPositions;

  public KvFootprint(IntToLongFunction bytesForPositions) {
    this.bytesForPositions = bytesForPositions;
  }

  /** Bytes allocated once positions {@code 0 .. positions-1} have been written. */
  public long bytes(int positions) {
    return bytesForPositions.applyAsLong(positions);
  }
}
