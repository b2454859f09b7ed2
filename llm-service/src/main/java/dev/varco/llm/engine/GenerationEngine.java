package dev.varco.llm.engine;

import dev.varco.llm.config.LlmServiceConfig;
import dev.varco.llm.model.DecodeLoop;
import dev.varco.llm.model.DecoderSharding;
import dev.varco.llm.model.PromptRows;
import dev.varco.llm.model.SamplingSettings;
import dev.varco.llm.model.TokenSampler;
import dev.varco.llm.vision.VisionEncoderClient;
import dev.varco.model.manifest.ModelManifestIO;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.MemorySize;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.function.Function;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Admits requests and owns the model thread. Requests are admitted up to {@code
 * varco.llm.max-waiting-requests} waiting, prepared (template, tokens, image embeddings) on
 * virtual threads, then queued for the single platform thread that owns the decoder (its forward
 * pass reuses scratch buffers, so it runs one pass at a time; it also must never run on a Vert.x
 * event loop). There a {@link StepScheduler} batches the running requests into one pass per step.
 *
 * <p>The model is loaded on the model thread after start-up; until it is loaded and one warm-up
 * token has been decoded, requests get {@link BackendUnavailableException} and readiness is down.
 *
 * <p>Whatever is thrown on the model thread (an {@code OutOfMemoryError} for direct memory, say)
 * fails the requests it held, frees all KV memory and turns readiness down (FAULTED, with the
 * cause); the thread then retries the warm-up decode with a growing delay and serves again once it
 * works. Still broken after {@code varco.llm.recovery.give-up-after}, or at a JVM internal error,
 * the process exits with status 70 so that its supervisor restarts it.
 */
@ApplicationScoped
public class GenerationEngine {
  private static final Logger LOG = Logger.getLogger(GenerationEngine.class);

  /** Where loading stands. */
  public enum State {
    LOADING,
    READY,
    /** Something was thrown on the model thread; it is restarting. */
    FAULTED,
    FAILED
  }

  /** Exit status when the engine gives up (EX_SOFTWARE). */
  static final int EXIT_UNRECOVERABLE = 70;

  private static final Duration MAX_RECOVERY_DELAY = Duration.ofSeconds(30);

  @Inject LlmServiceConfig config;
  @Inject VisionEncoderClient vision;
  @Inject MeterRegistry registry;
  @Inject Event<ModelStateChanged> stateChanges;

  private final LinkedBlockingQueue<PreparedJob> ready = new LinkedBlockingQueue<>();
  private EngineMetrics metrics;
  private EngineStatsLog statsLog;
  private ExecutorService preparation;
  private Thread modelThread;
  private Path workDir;
  private volatile State state = State.LOADING;
  private volatile String loadFailure;
  private volatile String fault;
  private KvMemoryBudget kvBudget;
  private Function<Path, DecoderSharding> sharding;
  private volatile LoadedModel model;
  private volatile PromptPreparer preparer;
  /** The model thread's KV cache, for preparation's lookups by image digest; null while it has none. */
  private volatile KvCachePool kvCache;
  private volatile Instant loadedAt;
  private volatile boolean stopping;

  void onStart(@Observes StartupEvent event) {
    // Refuses to start when the KV budget does not fit the JVM's direct-memory limit.
    DirectMemoryLimit limit = DirectMemoryLimit.ofThisJvm();
    kvBudget = KvMemoryBudget.resolve(config.llm().kvCache().maxBytes().map(MemorySize::asLongValue),
        config.llm().kvCache().directMemoryHeadroom().asLongValue(), limit);
    LOG.infof("KV budget %s (direct-memory limit: %s)", MemoryAmount.format(kvBudget.bytes()), limit.source());
    // Refuses to start when the shard settings do not make a coordinator.
    sharding = DecoderShards.fromConfig(config.llm(), registry);
    metrics = new EngineMetrics(registry, servedName(config.model().dir()));
    statsLog = EngineStatsLog.start(metrics, config.llm().statsLogInterval());
    preparation = Executors.newVirtualThreadPerTaskExecutor();
    modelThread = Thread.ofPlatform().name("llm-model").daemon(true).start(this::runModelThread);
  }

  void onStop(@Observes ShutdownEvent event) {
    stopping = true;
    if (statsLog != null) {
      statsLog.close();
    }
    if (modelThread != null) {
      modelThread.interrupt();
      try {
        modelThread.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (preparation != null) {
      preparation.shutdownNow();
    }
  }

  public State state() {
    return state;
  }

  /** Why loading failed, when {@link #state()} is FAILED. */
  public String loadFailure() {
    return loadFailure;
  }

  /** What was thrown on the model thread, when {@link #state()} is FAULTED. */
  public String fault() {
    return fault;
  }

  /** The loaded model; only valid when READY. */
  public LoadedModel model() {
    return model;
  }

  public Instant loadedAt() {
    return loadedAt;
  }

  /**
   * Admits a request. Output and the terminal event go to {@code sink} from other threads;
   * cancelling {@code ticket} (at any time, even before this call) abandons the request.
   *
   * @throws QueueFullException when max-waiting-requests are already waiting
   * @throws BackendUnavailableException when the model is not loaded
   */
  public void submit(GenerationRequest request, GenerationSink sink, GenerationTicket ticket) {
    State now = state;
    if (now != State.READY) {
      throw new BackendUnavailableException(switch (now) {
        case LOADING -> "the model is still loading";
        case FAULTED -> "the model thread failed (" + fault + ") and is restarting; retry shortly";
        default -> "the model failed to load: " + loadFailure;
      }, null);
    }
    int limit = config.llm().maxWaitingRequests();
    int waiting = metrics.waiting.incrementAndGet();
    if (waiting > limit) {
      metrics.waiting.decrementAndGet();
      throw new QueueFullException(
          "llm-service queue is full: " + limit + " requests are waiting (varco.llm.max-waiting-requests)");
    }
    long admitted = System.nanoTime();
    preparation.execute(() -> prepare(request, sink, ticket, admitted));
  }

  private void prepare(GenerationRequest request, GenerationSink sink, GenerationTicket ticket, long admitted) {
    try {
      PromptPreparer.Prepared prepared = preparer.prepare(request, request.maxTokens(),
          config.llm().defaultMaxTokens().map(OptionalInt::of).orElse(OptionalInt.empty()), ticket);
      if (prepared == null || ticket.isCancelled()) {
        metrics.waiting.decrementAndGet();
        return;
      }
      TokenSampler sampler = new TokenSampler(request.sampling());
      int skipped = missingImages(prepared.prompt());
      metrics.imageEncodesSkipped(skipped);
      // The image bytes are kept only while a KV prefix stands in for some image's rows.
      List<ImageInput> images = skipped > 0 ? request.images() : List.of();
      ready.add(new PreparedJob(request.requestId(), request.caller(), prepared.prompt(), images, prepared.maxTokens(), sampler,
          request.stop(), sink, ticket, admitted, request.cachePrompt()));
    } catch (RuntimeException e) {
      metrics.waiting.decrementAndGet();
      if (!ticket.isCancelled()) {
        sink.failed(e);
      }
    }
  }

  /**
   * Called by the model thread for a job whose images were left unencoded because a KV prefix held
   * their rows, when that prefix is gone by the time the job could start: encodes them off the
   * model thread and queues the job again (it stays counted as waiting).
   */
  private void encodeMissing(PreparedJob job) {
    metrics.imageEncodesAfterEviction(missingImages(job.prompt()));
    preparation.execute(() -> {
      try {
        PromptRows complete = preparer.encodeMissing(job.requestId(), job.prompt(), job.images(), job.ticket());
        if (complete == null || job.ticket().isCancelled()) {
          metrics.waiting.decrementAndGet();
          return;
        }
        ready.add(job.withPrompt(complete));
      } catch (RuntimeException e) {
        metrics.waiting.decrementAndGet();
        if (!job.ticket().isCancelled()) {
          job.sink().failed(e);
        }
      }
    });
  }

  private static int missingImages(PromptRows prompt) {
    return (int) prompt.images().stream().filter(image -> !image.hasRows()).count();
  }

  private void runModelThread() {
    try {
      load();
    } catch (RuntimeException | Error e) {
      loadFailure = e.getMessage();
      state = State.FAILED;
      if (stopping) {
        LOG.info("model loading abandoned: the service is shutting down");
      } else {
        LOG.errorf(e, "loading the model from %s failed", config.model().dir());
      }
      stateChanges.fire(new ModelStateChanged(State.FAILED));
      closeModel();
      return;
    }
    LoadedModel loaded = model;
    while (!stopping) {
      // A fresh pool per run of the scheduler: a fault may leave a reservation unaccounted.
      KvCachePool pool = new KvCachePool(
          loaded.decoder()::newKvCache, loaded.decoder().kvFootprint(), kvBudget.bytes(),
          config.llm().kvCache().idleTtl().toNanos(), config.llm().kvCache().reuse());
      metrics.kvCache(pool);
      kvCache = pool;
      Throwable thrown = new StepScheduler(loaded, pool, metrics, config.llm().maxRunningRequests(),
          config.llm().maxBatchRows(), ready, this::encodeMissing).run(() -> stopping);
      kvCache = null;
      if (thrown == null || stopping) {
        break;
      }
      if (!recover(loaded, thrown)) {
        LOG.errorf("the model thread cannot recover (%s): exiting with status %d so that a supervisor restarts the service",
            fault, EXIT_UNRECOVERABLE);
        ModelThreadFault.bestEffort(this::closeModel);
        Quarkus.asyncExit(EXIT_UNRECOVERABLE);
        return;
      }
    }
    closeModel();
  }

  /**
   * After a fault (the scheduler has failed its requests and freed its KV memory): readiness down
   * with the cause, then warm-up decodes with a doubling delay until one works (true) or
   * give-up-after has passed (false). Requests prepared meanwhile fail at once, never wait.
   */
  private boolean recover(LoadedModel loaded, Throwable thrown) {
    fault = ModelThreadFault.describe(thrown);
    state = State.FAULTED;
    LOG.errorf(thrown, "the model thread failed; its requests were failed and its KV memory freed");
    stateChanges.fire(new ModelStateChanged(State.FAULTED));
    if (thrown instanceof VirtualMachineError && !(thrown instanceof OutOfMemoryError || thrown instanceof StackOverflowError)) {
      return false; // an internal JVM error: nothing in this process can be trusted
    }
    long giveUpAt = System.nanoTime() + config.llm().recovery().giveUpAfter().toNanos();
    Duration delay = config.llm().recovery().delay();
    while (!stopping) {
      if (!failArrivals(delay, ModelThreadFault.failure(thrown))) {
        return true; // interrupted: shutting down
      }
      // Dropped KV pages are direct buffers, freed only once collected.
      System.gc();
      try {
        warmUp(loaded);
        fault = null;
        state = State.READY;
        stateChanges.fire(new ModelStateChanged(State.READY));
        LOG.infof("the model thread recovered and serves again");
        return true;
      } catch (Throwable again) {
        LOG.warnf("restarting the model thread failed: %s", ModelThreadFault.describe(again));
      }
      if (System.nanoTime() - giveUpAt > 0) {
        return false;
      }
      Duration doubled = delay.multipliedBy(2);
      delay = doubled.compareTo(MAX_RECOVERY_DELAY) > 0 ? MAX_RECOVERY_DELAY : doubled;
    }
    return true;
  }

  /** Waits {@code delay}, failing every request that becomes ready meanwhile; false when interrupted. */
  private boolean failArrivals(Duration delay, BackendUnavailableException failure) {
    long until = System.nanoTime() + delay.toNanos();
    try {
      for (long left = delay.toNanos(); left > 0; left = until - System.nanoTime()) {
        PreparedJob job = ready.poll(left, TimeUnit.NANOSECONDS);
        if (job != null) {
          metrics.waiting.decrementAndGet();
          if (!job.ticket().isCancelled()) {
            ModelThreadFault.bestEffort(() -> job.sink().failed(failure));
          }
        }
      }
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  /**
   * The name the model is served under (its manifest's, as DescribeModel answers), read before the
   * model loads so metrics carry it from the start; the directory's name when there is no manifest
   * to read (loading then fails and says why).
   */
  private static String servedName(Path modelDir) {
    try {
      return ModelManifestIO.read(modelDir).name();
    } catch (RuntimeException e) {
      Path name = modelDir.toAbsolutePath().normalize().getFileName();
      return name == null ? "model" : name.toString();
    }
  }

  /** One greedy token from a fresh KV cache: what readiness promises. */
  private static void warmUp(LoadedModel loaded) {
    int probe = loaded.manifest().llm().eosTokenIds().getFirst();
    new DecodeLoop(loaded.decoder(), new HashSet<>(), loaded.contextLength())
        .run(PromptRows.ofTokens(new int[] {probe}), 1, new TokenSampler(SamplingSettings.greedy()), () -> false,
            (token, position) -> false);
  }

  private void load() {
    Path modelDir = config.model().dir();
    LOG.infof("loading model directory %s", modelDir);
    long start = System.nanoTime();
    workDir = WorkDirectory.create(config.llm().workDir());
    LoadedModel loaded = LoadedModel.load(modelDir, workDir, config.llm().prefillChunkRows(), config.llm().contextLength(),
        sharding);
    model = loaded;
    preparer = new PromptPreparer(loaded, vision, config.vision().timeout(), kvBudget.bytes(), () -> kvCache);
    // Readiness means a token can be decoded, not merely that files were mapped.
    warmUp(loaded);
    loadedAt = Instant.now();
    state = State.READY;
    stateChanges.fire(new ModelStateChanged(State.READY));
    LOG.infof(
        "model %s ready in %d ms (context %d, hidden %d)", loaded.manifest().name(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), loaded.contextLength(), loaded.decoder().hiddenSize());
  }

  private void closeModel() {
    LoadedModel loaded = model;
    if (loaded != null) {
      loaded.close();
    }
    if (workDir != null) {
      WorkDirectory.deleteRecursively(workDir);
    }
  }
}
