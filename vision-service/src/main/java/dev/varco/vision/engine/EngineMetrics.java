package dev.varco.vision.engine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The engine's Prometheus meters (names as exported are listed in the module README). Latency is
 * a histogram with percentiles, batch sizes a histogram over powers of two; cache and queue
 * state are read when scraped.
 */
public final class EngineMetrics implements BatchObserver {
  private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128};

  private final Timer encodeLatency;
  private final Timer batchLatency;
  private final Counter tiles;
  private final DistributionSummary batchTiles;
  private final DistributionSummary batchImages;
  private final Counter decodeBudgetRefusals;
  private final Counter decodeCutoffs;

  public EngineMetrics(MeterRegistry registry, EmbeddingCache cache, InFlightEncodes inFlight,
      IntSupplier waitingImages, IntSupplier waitingTiles) {
    encodeLatency = Timer.builder("varco.vision.encode")
        .description("Per image not served from the cache: admission to packed rows "
            + "(queue, decode and tiling, batching window, encoder, packing)")
        .publishPercentiles(0.5, 0.9, 0.99)
        .publishPercentileHistogram()
        .register(registry);
    batchLatency = Timer.builder("varco.vision.encoder.batch")
        .description("One encoder call on a cross-request batch of tiles")
        .publishPercentileHistogram()
        .register(registry);
    decodeBudgetRefusals = Counter.builder("varco.vision.decode.budget.refusals")
        .description("Images refused because the decoded-pixel budget per second was spent")
        .register(registry);
    decodeCutoffs = Counter.builder("varco.vision.decode.cutoffs")
        .description("Images whose decoding was stopped at varco.vision.max-decode-time")
        .register(registry);
    tiles = Counter.builder("varco.vision.tiles")
        .description("Tiles run through the encoder, base tiles included")
        .register(registry);
    batchTiles = DistributionSummary.builder("varco.vision.batch.tiles")
        .description("Tiles per encoder batch")
        .serviceLevelObjectives(BATCH_BUCKETS)
        .register(registry);
    batchImages = DistributionSummary.builder("varco.vision.batch.images")
        .description("Distinct images with tiles in one encoder batch")
        .serviceLevelObjectives(BATCH_BUCKETS)
        .register(registry);
    // vLLM's name for requests admitted but not yet being processed.
    Gauge.builder("varco.vision.num_requests_waiting", waitingImages, IntSupplier::getAsInt)
        .description("Images waiting for a worker or for their first tile to enter an encoder batch")
        .strongReference(true) // a method reference is held by nothing else
        .register(registry);
    Gauge.builder("varco.vision.tiles.waiting", waitingTiles, IntSupplier::getAsInt)
        .description("Tiles handed to the encoder thread and not yet in a batch")
        .strongReference(true)
        .register(registry);
    FunctionCounter.builder("varco.vision.cache.hits", cache, EmbeddingCache::hits)
        .description("Requests served from the embedding cache")
        .register(registry);
    FunctionCounter.builder("varco.vision.cache.misses", cache, EmbeddingCache::misses)
        .description("Requests not found in the embedding cache")
        .register(registry);
    FunctionCounter.builder("varco.vision.cache.evictions", cache, EmbeddingCache::evictions)
        .description("Embeddings evicted to stay within varco.vision.cache-max-bytes")
        .register(registry);
    Gauge.builder("varco.vision.cache.size", cache, EmbeddingCache::bytes)
        .description("Payload bytes held by the embedding cache")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("varco.vision.cache.entries", cache, EmbeddingCache::entries)
        .description("Embeddings held by the embedding cache")
        .register(registry);
    FunctionCounter.builder("varco.vision.encode.shared", inFlight, InFlightEncodes::joined)
        .description("Cache misses served by joining an identical encode already in flight")
        .register(registry);
  }

  @Override
  public void batchEncoded(int tileCount, int images, long nanos) {
    tiles.increment(tileCount);
    batchTiles.record(tileCount);
    batchImages.record(images);
    batchLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  void decodeBudgetRefused() {
    decodeBudgetRefusals.increment();
  }

  void decodeCutOff() {
    decodeCutoffs.increment();
  }

  void imageEncoded(long nanos) {
    encodeLatency.record(nanos, TimeUnit.NANOSECONDS);
  }
}
