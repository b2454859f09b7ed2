package dev.varco.llm.model;

/**
 * Bytes of memory a Jlama KV buffer holds for a number of positions. Jlama 0.8.4 splits an
 * in-memory ("ephemeral") buffer into pages of at most 1 MiB, each covering some layers and some
 * positions, and allocates a page when a position in it is first touched; this repeats its page
 * arithmetic ({@code KvBufferCache.KvBuffer.computePageSize}) so the engine can account for KV
 * memory exactly, page rounding included.
 */
public final class KvFootprint {
  /** Jlama's page size limit for ephemeral buffers. */
  static final long MAX_PAGE_BYTES = 1L << 20;

  private final int layerPages;
  private final int positionsPerPage;
  private final long pageBytes;

  /**
   * @param layers decoder layers held by this process
   * @param kvWidth key (= value) floats per position and layer: kv heads x head size
   * @param elementBytes bytes per stored float (4 for F32 working memory)
   * @param maxPositions the model's context length, which bounds the positions of one page
   */
  public KvFootprint(int layers, int kvWidth, int elementBytes, int maxPositions) {
    long perLayerPosition = 2L * elementBytes * kvWidth;
    if (MAX_PAGE_BYTES <= perLayerPosition) {
      throw new IllegalArgumentException("one position of one layer needs " + perLayerPosition + " bytes, over a page");
    }
    int bestLayers = 1;
    int bestPositions = 1;
    long best = 0;
    for (int x = layers; x >= 1; x--) {
      long y = MAX_PAGE_BYTES / (x * perLayerPosition);
      if (y >= 1 && y <= maxPositions) {
        long product = x * y;
        if (product > best) {
          bestLayers = x;
          bestPositions = (int) y;
          best = product;
        }
        if (product < best) {
          break;
        }
      }
    }
    this.layerPages = (layers + bestLayers - 1) / bestLayers;
    this.positionsPerPage = bestPositions;
    this.pageBytes = bestLayers * bestPositions * perLayerPosition;
  }

  /** Bytes allocated once positions {@code 0 .. positions-1} have been written. */
  public long bytes(int positions) {
    long contextPages = (positions + positionsPerPage - 1L) / positionsPerPage;
    return layerPages * contextPages * pageBytes;
  }
}
