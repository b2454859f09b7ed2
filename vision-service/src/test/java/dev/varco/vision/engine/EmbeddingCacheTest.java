package dev.varco.vision.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.vision.image.GridPinpoint;
import org.junit.jupiter.api.Test;

class EmbeddingCacheTest {
  private static final String CONFIG = "config-a";

  private static ImageEmbedding embeddingOf(int payloadBytes) {
    return new ImageEmbedding(384, 384, new GridPinpoint(384, 384), 1, payloadBytes / 2, 1, new byte[payloadBytes]);
  }

  private static EmbeddingKey key(String image) {
    return new EmbeddingKey(image, CONFIG);
  }

  @Test
  void aStoredEmbeddingIsAHitAndTheSameBytes() {
    EmbeddingCache cache = new EmbeddingCache(1000);
    assertFalse(cache.get(key("a")).isPresent());
    ImageEmbedding stored = embeddingOf(100);
    cache.put(key("a"), stored);
    assertSame(stored, cache.get(key("a")).orElseThrow());
    assertEquals(1, cache.hits());
    assertEquals(1, cache.misses());
    assertEquals(100, cache.bytes());
    assertEquals(1, cache.entries());
  }

  @Test
  void theSameImageUnderAnotherConfigurationMisses() {
    EmbeddingCache cache = new EmbeddingCache(1000);
    cache.put(new EmbeddingKey("a", "config-a"), embeddingOf(100));
    assertFalse(cache.get(new EmbeddingKey("a", "config-b")).isPresent());
    assertEquals(1, cache.misses());
    assertEquals(0, cache.hits());
  }

  @Test
  void evictsLeastRecentlyUsedUntilWithinTheByteBound() {
    EmbeddingCache cache = new EmbeddingCache(300);
    cache.put(key("a"), embeddingOf(100));
    cache.put(key("b"), embeddingOf(100));
    cache.put(key("c"), embeddingOf(100));
    assertTrue(cache.get(key("a")).isPresent(), "touch a: b is now the least recently used");
    cache.put(key("d"), embeddingOf(150));
    assertEquals(250, cache.bytes());
    assertTrue(cache.get(key("a")).isPresent());
    assertFalse(cache.get(key("b")).isPresent());
    assertFalse(cache.get(key("c")).isPresent());
    assertTrue(cache.get(key("d")).isPresent());
    assertEquals(2, cache.evictions());
    assertEquals(2, cache.entries());
  }

  @Test
  void replacingAnEntryCountsItsBytesOnce() {
    EmbeddingCache cache = new EmbeddingCache(300);
    cache.put(key("a"), embeddingOf(100));
    cache.put(key("a"), embeddingOf(200));
    assertEquals(200, cache.bytes());
    assertEquals(1, cache.entries());
  }

  @Test
  void anEmbeddingLargerThanTheCacheIsNotStoredAndEvictsNothing() {
    EmbeddingCache cache = new EmbeddingCache(300);
    cache.put(key("a"), embeddingOf(100));
    cache.put(key("huge"), embeddingOf(301));
    assertFalse(cache.get(key("huge")).isPresent());
    assertTrue(cache.get(key("a")).isPresent());
    assertEquals(100, cache.bytes());
  }

  @Test
  void zeroBytesDisablesTheCache() {
    EmbeddingCache cache = new EmbeddingCache(0);
    cache.put(key("a"), embeddingOf(2));
    assertFalse(cache.get(key("a")).isPresent());
    assertEquals(0, cache.bytes());
    assertEquals(1, cache.misses());
  }
}
