package dev.varco.llm.engine;

import dev.varco.llm.config.LlmServiceConfig;
import dev.varco.llm.model.DecodeLoop;
import dev.varco.llm.model.PromptRows;
import dev.varco.llm.model.SamplingSettings;
import dev.varco.llm.model.TokenSampler;
import dev.varco.llm.vision.VisionEncoderClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Admits requests and owns the model thread. Requests are admitted up to {@code
 * varco.llm.max-waiting-requests} waiting, prepared (template, tokens, image embeddings) on
 * virtual threads, then queued for the single platform thread that owns the Jlama model (Jlama
 * shares scratch buffers, so concurrent forwards corrupt each other; the model also must never run
 * on a Vert.x event loop). There a {@link StepScheduler} interleaves the running requests.
 *
 * <p>The model is loaded on the model thread after start-up; until it is loaded and one warm-up
 * token has been decoded, requests get {@link BackendUnavailableException} and readiness is down.
 */
@ApplicationScoped
public class GenerationEngine {
  private static final Logger LOG = Logger.getLogger(GenerationEngine.class);

  /** Where loading stands. */
  public enum State {
    LOADING,
    READY,
    FAILED
  }

  @Inject LlmServiceConfig config;
  @Inject VisionEncoderClient vision;
  @Inject MeterRegistry registry;
  @Inject Event<ModelStateChanged> stateChanges;

  private final LinkedBlockingQueue<PreparedJob> ready = new LinkedBlockingQueue<>();
  private EngineMetrics metrics;
  private ExecutorService preparation;
  private Thread modelThread;
  private Path workDir;
  private volatile State state = State.LOADING;
  private volatile String loadFailure;
  private volatile LoadedModel model;
  private volatile PromptPreparer preparer;
  private volatile Instant loadedAt;
  private volatile boolean stopping;

  void onStart(@Observes StartupEvent event) {
    metrics = new EngineMetrics(registry);
    preparation = Executors.newVirtualThreadPerTaskExecutor();
    modelThread = Thread.ofPlatform().name("llm-model").daemon(true).start(this::runModelThread);
  }

  void onStop(@Observes ShutdownEvent event) {
    stopping = true;
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
    if (state != State.READY) {
      throw new BackendUnavailableException(
          state == State.LOADING ? "the model is still loading" : "the model failed to load: " + loadFailure, null);
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
      int maxTokens = request.maxTokens() == 0 ? config.llm().defaultMaxTokens() : request.maxTokens();
      PromptRows prompt = preparer.prepare(request, maxTokens, ticket);
      if (prompt == null || ticket.isCancelled()) {
        metrics.waiting.decrementAndGet();
        return;
      }
      TokenSampler sampler = new TokenSampler(request.sampling());
      ready.add(new PreparedJob(
          request.requestId(), prompt, maxTokens, sampler, request.stop(), sink, ticket, admitted, request.cachePrompt()));
    } catch (RuntimeException e) {
      metrics.waiting.decrementAndGet();
      if (!ticket.isCancelled()) {
        sink.failed(e);
      }
    }
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
    KvCachePool pool = new KvCachePool(
        loaded.decoder()::newKvCache, loaded.decoder().kvFootprint(), config.llm().kvCache().maxBytes().asLongValue(),
        config.llm().kvCache().idleTtl().toNanos(), config.llm().kvCache().reuse());
    metrics.kvCache(pool);
    new StepScheduler(loaded, pool, metrics, config.llm().maxRunningRequests(), config.llm().maxBatchRows(), ready)
        .run(() -> stopping);
    closeModel();
  }

  private void load() {
    Path modelDir = config.model().dir();
    LOG.infof("loading model directory %s", modelDir);
    long start = System.nanoTime();
    workDir = WorkDirectory.create(config.llm().workDir());
    LoadedModel loaded =
        LoadedModel.load(modelDir, workDir, config.llm().prefillChunkRows(), config.llm().contextLength());
    model = loaded;
    preparer = new PromptPreparer(loaded, vision, config.vision().timeout(), config.llm().kvCache().maxBytes().asLongValue());
    // Readiness means a token can be decoded, not merely that files were mapped.
    int probe = loaded.manifest().llm().eosTokenIds().getFirst();
    new DecodeLoop(loaded.decoder(), new HashSet<>(), loaded.contextLength())
        .run(PromptRows.ofTokens(new int[] {probe}), 1, new TokenSampler(SamplingSettings.greedy()), () -> false,
            (token, position) -> false);
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
