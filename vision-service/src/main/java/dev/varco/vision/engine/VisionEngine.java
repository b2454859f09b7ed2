package dev.varco.vision.engine;

import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.manifest.ModelManifestIO;
import dev.varco.vision.encoder.EncoderOptions;
import dev.varco.vision.encoder.ExecutionProviderSelector;
import dev.varco.vision.image.ImageLimits;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Owns the encoder: loads the model in the background at start-up (readiness stays down until it
 * is loaded) and runs every encode off the Vert.x threads, in three stages:
 *
 * <ol>
 *   <li>the embedding cache and single flight: a known image is answered at once, an image being
 *       encoded for another request is shared;
 *   <li>admission: the header's pixel count is checked against the per-image limit and charged to
 *       the decoded-pixel budget per second ({@link DecodePixelBudget});
 *   <li>a bounded queue in front of {@code workers} threads that decode and tile (images larger
 *       than decode-pixels-always-admitted have a queue and a thread of their own, so an ordinary
 *       image never waits behind one); a full queue is refused at once instead of letting latency
 *       grow without bound; preprocessing stops early past max-decode-time or once nobody waits;
 *   <li>the {@link TileBatcher}'s single encoder thread, which batches tiles across requests, then
 *       {@code workers} threads that pack the features and fill the cache.
 * </ol>
 */
@ApplicationScoped
public class VisionEngine {
  private static final Logger LOG = Logger.getLogger(VisionEngine.class);

  private final VisionConfig config;
  private final ModelConfig modelConfig;
  private final EngineReadiness readiness;
  private final EmbeddingCache cache;
  private final InFlightEncodes inFlight = new InFlightEncodes();
  private final EngineMetrics metrics;
  private final AtomicInteger waitingForWorker = new AtomicInteger();
  private final DecodePixelBudget decodeBudget;

  private volatile VisionPipeline pipeline;
  private volatile TileBatcher batcher;
  private volatile String loadFailure;
  private ThreadPoolExecutor preparers;
  /** One thread of its own for images over decode-pixels-always-admitted, so ordinary ones never queue behind them. */
  private ThreadPoolExecutor largePreparers;
  private ExecutorService packers;

  VisionEngine(VisionConfig config, ModelConfig modelConfig, EngineReadiness readiness, MeterRegistry registry) {
    this.config = config;
    this.modelConfig = modelConfig;
    this.readiness = readiness;
    this.cache = new EmbeddingCache(cacheBytesWithinHeap(config.cacheMaxBytes()));
    this.metrics = new EngineMetrics(registry, cache, inFlight, this::waitingImages, this::waitingTiles);
    this.decodeBudget = new DecodePixelBudget(config.decodePixelsPerSecond(), config.decodePixelsBurst(),
        config.decodePixelsAlwaysAdmitted(), System::nanoTime);
  }

  /** The cache lives on the heap: never let it take more than a quarter, or encoding itself runs out. */
  private static long cacheBytesWithinHeap(long configured) {
    long quarterOfHeap = Runtime.getRuntime().maxMemory() / 4;
    if (configured > quarterOfHeap) {
      LOG.warnf("varco.vision.cache-max-bytes=%d is over a quarter of the heap (-Xmx); caching %d bytes", configured,
          quarterOfHeap);
      return quarterOfHeap;
    }
    return configured;
  }

  void start(@Observes StartupEvent event) {
    if (config.workers() < 1 || config.queueCapacity() < 1) {
      throw new IllegalArgumentException("varco.vision.workers (" + config.workers()
          + ") and varco.vision.queue-capacity (" + config.queueCapacity() + ") must be at least 1");
    }
    if (config.streamChunkBytes() < 1 || config.streamChunkBytes() > 1 << 20) {
      throw new IllegalArgumentException(
          "varco.vision.stream-chunk-bytes must be 1..1048576 (the contract's 1 MiB), got " + config.streamChunkBytes());
    }
    if (decodeBudget.enabled() && config.decodePixelsBurst() < config.maxImagePixels()) {
      throw new IllegalArgumentException("varco.vision.decode-pixels-burst (" + config.decodePixelsBurst()
          + ") must be at least varco.vision.max-image-pixels (" + config.maxImagePixels()
          + "), or the largest images could never be admitted");
    }
    if (config.maxDecodeTime().isNegative()) {
      throw new IllegalArgumentException("varco.vision.max-decode-time must not be negative, got " + config.maxDecodeTime());
    }
    // execution-provider=cuda that cannot load fails start-up here, not later in the background load.
    ExecutionProviderSelector.requireAvailable(config.executionProvider());
    readiness.loading();
    preparers = preprocessingPool(config.workers(), "vision-preprocess-");
    largePreparers = preprocessingPool(1, "vision-preprocess-large-");
    // Unbounded on purpose: it only ever holds images already admitted through the bounded queue.
    packers = Executors.newFixedThreadPool(config.workers(), Thread.ofPlatform().name("vision-pack-", 0).daemon().factory());
    Thread.ofPlatform().name("vision-model-loader").daemon().start(this::load);
  }

  private ThreadPoolExecutor preprocessingPool(int threads, String name) {
    return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(config.queueCapacity()),
        Thread.ofPlatform().name(name, 0).daemon().factory(), new ThreadPoolExecutor.AbortPolicy());
  }

  private void load() {
    Path dir = Path.of(modelConfig.dir());
    try {
      LOG.infof("loading vision model from %s", dir);
      ModelManifest manifest = ModelManifestIO.read(dir);
      ImageLimits limits = new ImageLimits(
          config.maxImageBytes(), config.maxImagePixels(), config.maxImageSide(), config.maxImageAspectRatio());
      EncoderOptions options = new EncoderOptions(config.executionProvider(), config.intraOpThreads(),
          config.encoderBatchSize(), config.encoderPrecision(), config.allowSpinning());
      VisionPipeline loaded = VisionPipeline.open(dir, manifest, limits, options);
      TileBatcher tileBatcher = new TileBatcher(loaded.encoder(), config.maxBatchTiles(), config.batchWindow(), metrics);
      tileBatcher.start();
      batcher = tileBatcher;
      pipeline = loaded;
      readiness.ready(manifest.name());
      LOG.infof("vision model %s ready (batches of up to %d tiles, window %s; cache %d bytes)", manifest.name(),
          config.maxBatchTiles(), config.batchWindow(), cache.maxBytes());
    } catch (RuntimeException e) {
      loadFailure = e.getMessage();
      readiness.failed(loadFailure);
      LOG.errorf(e, "vision model in %s failed to load", dir);
    }
  }

  /**
   * The packed embedding of one image: from the cache, shared with an identical encode in flight,
   * or queued. Cancelling the returned future drops this caller's interest; the encode's pending
   * tiles are dropped once no caller waits for them. The future fails with the decoder's or the
   * encoder's exception.
   *
   * @param sha256 the image bytes' verified sha256 (the cache key)
   * @throws EngineUnavailableException when the model is not loaded
   * @throws EngineBusyException when the queue is full or the decode budget is spent
   * @throws dev.varco.vision.image.ImageRejectedException when the file or its declared size is refused
   */
  public CompletableFuture<ImageEmbedding> submit(byte[] image, String sha256, String requestId) {
    VisionPipeline loaded = pipeline;
    TileBatcher encoder = batcher;
    if (loaded == null || encoder == null) {
      throw new EngineUnavailableException(
          loadFailure == null ? "vision encoder is still loading" : "vision encoder failed to load: " + loadFailure);
    }
    EmbeddingKey key = new EmbeddingKey(sha256, loaded.configDigest());
    Optional<ImageEmbedding> cached = cache.get(key);
    if (cached.isPresent()) {
      return CompletableFuture.completedFuture(cached.get());
    }
    // The header's size, checked against the per-image limits before anything is queued: the
    // decode budget is charged with what the image will decode to, not with what it weighs.
    long pixels = loaded.declaredPixels(image);
    return inFlight.join(key, () -> encode(loaded, encoder, image, pixels, key, requestId));
  }

  private CompletableFuture<ImageEmbedding> encode(VisionPipeline loaded, TileBatcher encoder, byte[] image,
      long pixels, EmbeddingKey key, String requestId) {
    CompletableFuture<ImageEmbedding> result = new CompletableFuture<>();
    AtomicReference<PendingTiles> inEncoder = new AtomicReference<>();
    result.whenComplete(
        (embedding, error) -> {
          PendingTiles tiles = inEncoder.get();
          if (result.isCancelled() && tiles != null) {
            encoder.cancel(tiles);
          }
        });
    try {
      decodeBudget.charge(pixels);
    } catch (EngineBusyException e) {
      metrics.decodeBudgetRefused();
      throw e;
    }
    long admitted = System.nanoTime();
    waitingForWorker.incrementAndGet();
    try {
      (pixels > config.decodePixelsAlwaysAdmitted() ? largePreparers : preparers).execute(
          () -> {
            waitingForWorker.decrementAndGet();
            if (result.isDone()) {
              return; // cancelled while queued
            }
            try {
              PreparedImage prepared = loaded.prepare(image,
                  new PreprocessingDeadline(result, config.maxDecodeTime(), System::nanoTime, metrics::decodeCutOff));
              PendingTiles tiles = encoder.submit(prepared.tiles());
              inEncoder.set(tiles);
              if (result.isCancelled()) {
                encoder.cancel(tiles); // the cancel handler may have run before the tiles were known
                return;
              }
              tiles.features().whenCompleteAsync(
                  (features, error) -> finish(loaded, prepared, features, error, key, admitted, result), packers);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              result.completeExceptionally(new EngineUnavailableException("the vision encoder is shutting down"));
            } catch (RuntimeException | OutOfMemoryError e) {
              result.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      waitingForWorker.decrementAndGet();
      decodeBudget.refund(pixels);
      LOG.debugf("request %s refused: queue full", requestId);
      throw new EngineBusyException(
          "vision encoder queue is full (" + config.queueCapacity() + " images waiting); retry later");
    }
    return result;
  }

  private void finish(VisionPipeline loaded, PreparedImage prepared, float[] features, Throwable error,
      EmbeddingKey key, long admitted, CompletableFuture<ImageEmbedding> result) {
    if (error != null) {
      result.completeExceptionally(error);
      return;
    }
    try {
      ImageEmbedding embedding = loaded.pack(prepared, features);
      cache.put(key, embedding);
      metrics.imageEncoded(System.nanoTime() - admitted);
      result.complete(embedding);
    } catch (RuntimeException | OutOfMemoryError e) {
      result.completeExceptionally(e);
    }
  }

  private int waitingImages() {
    TileBatcher encoder = batcher;
    return waitingForWorker.get() + (encoder == null ? 0 : encoder.waitingImages());
  }

  private int waitingTiles() {
    TileBatcher encoder = batcher;
    return encoder == null ? 0 : encoder.waitingTiles();
  }

  /** Payload chunk size for the gRPC stream. */
  public int streamChunkBytes() {
    return config.streamChunkBytes();
  }

  void stop(@Observes ShutdownEvent event) {
    if (preparers != null) {
      preparers.shutdownNow();
      largePreparers.shutdownNow();
    }
    TileBatcher encoder = batcher;
    if (encoder != null) {
      encoder.close();
    }
    if (packers != null) {
      packers.shutdownNow();
    }
    VisionPipeline loaded = pipeline;
    if (loaded != null) {
      loaded.close();
    }
  }
}
