package dev.varco.vision.engine;

import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.manifest.ModelManifestIO;
import dev.varco.vision.encoder.EncoderOptions;
import dev.varco.vision.image.ImageLimits;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Owns the encoder: loads the model in the background at start-up (readiness stays down until it
 * is loaded), and runs every encode on its own bounded worker pool, never on a Vert.x thread.
 * A full queue is refused at once instead of letting latency grow without bound.
 */
@ApplicationScoped
public class VisionEngine {
  private static final Logger LOG = Logger.getLogger(VisionEngine.class);

  private final VisionConfig config;
  private final ModelConfig modelConfig;
  private final EngineReadiness readiness;
  private final Timer encodeTimer;
  private final Counter tilesCounter;
  private final AtomicInteger waiting = new AtomicInteger();

  private volatile VisionPipeline pipeline;
  private volatile String loadFailure;
  private ThreadPoolExecutor workers;

  VisionEngine(VisionConfig config, ModelConfig modelConfig, EngineReadiness readiness, MeterRegistry registry) {
    this.config = config;
    this.modelConfig = modelConfig;
    this.readiness = readiness;
    this.encodeTimer =
        Timer.builder("varco.vision.encode")
            .description("Time to decode, tile, encode and pack one image (queue wait excluded)")
            .publishPercentileHistogram()
            .register(registry);
    this.tilesCounter =
        Counter.builder("varco.vision.tiles")
            .description("384-pixel tiles run through the encoder, base tiles included")
            .register(registry);
    registry.gauge("varco.vision.num_requests_waiting", waiting);
  }

  void start(@Observes StartupEvent event) {
    if (config.workers() < 1 || config.queueCapacity() < 1) {
      throw new IllegalArgumentException("varco.vision.workers (" + config.workers()
          + ") and varco.vision.queue-capacity (" + config.queueCapacity() + ") must be at least 1");
    }
    readiness.loading();
    workers =
        new ThreadPoolExecutor(
            config.workers(),
            config.workers(),
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(config.queueCapacity()),
            Thread.ofPlatform().name("vision-encoder-", 0).daemon().factory(),
            new ThreadPoolExecutor.AbortPolicy());
    Thread.ofPlatform().name("vision-model-loader").daemon().start(this::load);
  }

  private void load() {
    Path dir = Path.of(modelConfig.dir());
    try {
      LOG.infof("loading vision model from %s", dir);
      ModelManifest manifest = ModelManifestIO.read(dir);
      ImageLimits limits = new ImageLimits(config.maxImageBytes(), config.maxImagePixels(), config.maxImageSide());
      EncoderOptions options =
          new EncoderOptions(config.executionProvider(), config.intraOpThreads(), config.encoderBatchSize());
      pipeline = VisionPipeline.open(dir, manifest, limits, options);
      readiness.ready(manifest.name());
      LOG.infof("vision model %s ready", manifest.name());
    } catch (RuntimeException e) {
      loadFailure = e.getMessage();
      readiness.failed(loadFailure);
      LOG.errorf(e, "vision model in %s failed to load", dir);
    }
  }

  /** Queues one image; the future fails with the decoder's, the queue's or the encoder's exception. */
  public CompletableFuture<ImageEmbedding> submit(byte[] image, String requestId) {
    VisionPipeline loaded = pipeline;
    if (loaded == null) {
      throw new EngineUnavailableException(
          loadFailure == null ? "vision encoder is still loading" : "vision encoder failed to load: " + loadFailure);
    }
    CompletableFuture<ImageEmbedding> result = new CompletableFuture<>();
    waiting.incrementAndGet();
    try {
      workers.execute(
          () -> {
            waiting.decrementAndGet();
            if (result.isCancelled()) {
              return;
            }
            Timer.Sample sample = Timer.start();
            try {
              ImageEmbedding embedding = loaded.embed(image);
              tilesCounter.increment(embedding.gridTileCount() + 1);
              result.complete(embedding);
            } catch (RuntimeException | OutOfMemoryError e) {
              result.completeExceptionally(e);
            } finally {
              sample.stop(encodeTimer);
            }
          });
    } catch (RejectedExecutionException e) {
      waiting.decrementAndGet();
      LOG.debugf("request %s refused: queue full", requestId);
      throw new EngineBusyException(
          "vision encoder queue is full (" + config.queueCapacity() + " images waiting); retry later");
    }
    return result;
  }

  void stop(@Observes ShutdownEvent event) {
    if (workers != null) {
      workers.shutdownNow();
    }
    VisionPipeline loaded = pipeline;
    if (loaded != null) {
      loaded.close();
    }
  }
}
