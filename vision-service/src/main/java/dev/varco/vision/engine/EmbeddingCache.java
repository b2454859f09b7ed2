package dev.varco.vision.engine;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Packed embeddings by {@link EmbeddingKey}, least recently used evicted first, bounded by the
 * bytes of their fp16 payloads. Soft state: anything dropped is recomputed identically. Entries
 * are shared, so callers must never modify a payload.
 */
public final class EmbeddingCache {
  private final long maxBytes;
  private final LinkedHashMap<EmbeddingKey, ImageEmbedding> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;
  private long hits;
  private long misses;
  private long evictions;

  /** @param maxBytes payload bytes to keep; 0 disables caching (every lookup misses) */
  public EmbeddingCache(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("varco.vision.cache-max-bytes must be >= 0, got " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  public synchronized Optional<ImageEmbedding> get(EmbeddingKey key) {
    ImageEmbedding found = entries.get(key);
    if (found == null) {
      misses++;
    } else {
      hits++;
    }
    return Optional.ofNullable(found);
  }

  /** Keeps the embedding unless it alone is larger than the whole cache. */
  public synchronized void put(EmbeddingKey key, ImageEmbedding embedding) {
    long size = sizeOf(embedding);
    if (size > maxBytes) {
      return;
    }
    ImageEmbedding replaced = entries.put(key, embedding);
    if (replaced != null) {
      bytes -= sizeOf(replaced);
    }
    bytes += size;
    Iterator<Map.Entry<EmbeddingKey, ImageEmbedding>> eldestFirst = entries.entrySet().iterator();
    while (bytes > maxBytes) {
      bytes -= sizeOf(eldestFirst.next().getValue());
      eldestFirst.remove();
      evictions++;
    }
  }

  private static long sizeOf(ImageEmbedding embedding) {
    return embedding.float16Payload().length;
  }

  public long maxBytes() {
    return maxBytes;
  }

  public synchronized long bytes() {
    return bytes;
  }

  public synchronized int entries() {
    return entries.size();
  }

  public synchronized long hits() {
    return hits;
  }

  public synchronized long misses() {
    return misses;
  }

  public synchronized long evictions() {
    return evictions;
  }
}
