package dev.varco.llm.engine;

import dev.varco.llm.model.DecodingSequence;
import dev.varco.llm.model.FinishReason;
import dev.varco.llm.model.GenerationResult;
import dev.varco.llm.model.SampledToken;
import dev.varco.llm.model.ShardUnavailableException;
import dev.varco.llm.transformer.SequenceRows;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Runs on the model thread and owns the model from there on: admits prepared requests (fair across
 * callers, {@link CallerQueue}) up to {@code max-running-requests} and the KV budget, then runs steps: one
 * forward pass per step over rows of all running requests (continuous batching, see
 * {@link #stepAll}). A long generation, or a long image prefill, shares each step with a short
 * request but never blocks it. Cancelled requests leave at the next step.
 */
final class StepScheduler {
  private static final Logger LOG = Logger.getLogger(StepScheduler.class);

  /** A request on the model: its sequence, its KV lease, its output. */
  private static final class RunningRequest {
    final PreparedJob job;
    final KvCachePool.Lease lease;
    final DeltaAssembler deltas;
    DecodingSequence sequence;
    long firstTokenNanos;
    long lastTokenNanos;

    RunningRequest(PreparedJob job, KvCachePool.Lease lease, DeltaAssembler deltas) {
      this.job = job;
      this.lease = lease;
      this.deltas = deltas;
    }
  }

  private final LoadedModel model;
  private final KvCachePool pool;
  private final EngineMetrics metrics;
  private final int maxRunning;
  private final int maxBatchRows;
  private final int prefillChunkRows;
  /** Which prefilling request goes first this step; rotates so prompts take turns. */
  private int prefillTurn;
  private float[] input = new float[0];
  private final BlockingQueue<PreparedJob> ready;
  private final Set<Integer> endOfTurnTokens;
  private final CallerQueue waiting = new CallerQueue();
  private final List<RunningRequest> running = new ArrayList<>();
  /** Takes back a job whose unencoded images' KV prefix is gone, to encode them off this thread. */
  private final Consumer<PreparedJob> encodeMissing;

  StepScheduler(LoadedModel model, KvCachePool pool, EngineMetrics metrics, int maxRunning, int maxBatchRows,
      BlockingQueue<PreparedJob> ready, Consumer<PreparedJob> encodeMissing) {
    if (maxBatchRows < maxRunning) {
      throw new IllegalArgumentException("varco.llm.max-batch-rows (" + maxBatchRows
          + ") must be at least varco.llm.max-running-requests (" + maxRunning + "): every decoding request needs its row");
    }
    this.model = model;
    this.pool = pool;
    this.metrics = metrics;
    this.maxRunning = maxRunning;
    this.maxBatchRows = maxBatchRows;
    this.prefillChunkRows = model.decoder().prefillChunkRows();
    this.ready = ready;
    this.encodeMissing = encodeMissing;
    this.endOfTurnTokens = new HashSet<>(model.manifest().llm().eosTokenIds());
  }

  /** How often an idle scheduler of a sharded decoder checks that its shards are still there. */
  private static final long SHARD_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  /**
   * Schedules until {@code stopping} turns true or the thread is interrupted (returns null), or until
   * anything, an {@link Error} included, is thrown on this thread (returns it). Either way every
   * request it held ends: at a fault each running and waiting request fails with
   * {@link BackendUnavailableException} naming the cause; then all KV memory is freed.
   */
  Throwable run(BooleanSupplier stopping) {
    Throwable fault = null;
    try {
      while (!stopping.getAsBoolean()) {
        takeReady();
        metrics.waiting.addAndGet(-waiting.removeIf(job -> job.ticket().isCancelled()));
        pool.evictExpired(System.nanoTime());
        model.decoder().checkShards();
        admit();
        if (running.isEmpty()) {
          if (!awaitWork()) {
            break;
          }
          continue;
        }
        stepAll();
      }
    } catch (Throwable t) {
      fault = t;
    } finally {
      releaseAll(fault);
    }
    return fault;
  }

  /** Ends every held request (failing it when {@code fault} is set) and frees all KV memory. */
  private void releaseAll(Throwable fault) {
    BackendUnavailableException failure = fault == null ? null : ModelThreadFault.failure(fault);
    for (RunningRequest request : running) {
      ModelThreadFault.bestEffort(() -> {
        request.sequence.cancel();
        pool.release(request.lease, request.sequence.kvContent(), false);
      });
      metrics.running.decrementAndGet();
      if (failure != null && !request.job.ticket().isCancelled()) {
        ModelThreadFault.bestEffort(() -> request.job.sink().failed(failure));
      }
    }
    running.clear();
    if (failure != null) {
      takeReady();
    }
    int left = waiting.size();
    for (PreparedJob job : waiting.drain()) {
      if (failure != null && !job.ticket().isCancelled()) {
        ModelThreadFault.bestEffort(() -> job.sink().failed(failure));
      }
    }
    metrics.waiting.addAndGet(-left);
    ModelThreadFault.bestEffort(pool::close);
  }

  /**
   * Blocks until a request is ready or an idle buffer expires (with shards: at most 500 ms, to
   * notice a lost one); false when interrupted.
   */
  private boolean awaitWork() {
    try {
      long untilExpiry = pool.nanosUntilNextExpiry(System.nanoTime());
      if (model.decoder().isSharded()) {
        // Wake up now and then to notice a lost shard while idle.
        untilExpiry = untilExpiry < 0 ? SHARD_CHECK_NANOS : Math.min(untilExpiry, SHARD_CHECK_NANOS);
      }
      PreparedJob job = untilExpiry < 0 ? ready.take() : ready.poll(untilExpiry, TimeUnit.NANOSECONDS);
      if (job != null) {
        waiting.add(job);
      }
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  private void takeReady() {
    for (PreparedJob job = ready.poll(); job != null; job = ready.poll()) {
      waiting.add(job);
    }
  }

  private void admit() {
    while (running.size() < maxRunning && !waiting.isEmpty()) {
      PreparedJob job = waiting.peek();
      int positions = job.prompt().length() + job.maxTokens();
      if (!running.isEmpty() && !pool.fits(positions)) {
        return; // waits for memory; the caller whose turn it is keeps its turn
      }
      waiting.poll();
      if (job.prompt().missingRowsEnd() > pool.reusablePositions(job.prompt().content(), job.cachePrompt())) {
        // The KV prefix that held some images' rows was evicted since preparation: encode them
        // (not running meanwhile: its caller's count goes back down).
        waiting.finished(job);
        encodeMissing.accept(job);
        continue;
      }
      metrics.waiting.decrementAndGet();
      KvCachePool.Lease lease = pool.acquire(job.prompt().content(), positions, job.cachePrompt());
      RunningRequest request = new RunningRequest(job, lease, new DeltaAssembler(
          model.tokenizer().tokenizer(), model.tokenizer().tokenBytes(), job.stop(), job.sink()));
      try {
        request.sequence = new DecodingSequence(
            model.decoder(), job.prompt(), lease.kv(), lease.reusedPositions(), job.maxTokens(),
            model.contextLength(), job.sampler(), endOfTurnTokens, (token, position) -> onToken(request, token));
      } catch (IllegalArgumentException e) {
        pool.release(lease, job.prompt().content().truncated(lease.reusedPositions()), true);
        waiting.finished(job);
        job.sink().failed(new InvalidRequestException(e.getMessage()));
        continue;
      }
      metrics.running.incrementAndGet();
      metrics.prompt(job.prompt().length(), lease.reusedPositions());
      running.add(request);
    }
  }

  private boolean onToken(RunningRequest request, SampledToken token) {
    long now = System.nanoTime();
    metrics.generated();
    if (request.lastTokenNanos == 0) {
      request.firstTokenNanos = now;
      metrics.firstToken(Duration.ofNanos(now - request.job.admittedNanos()));
    } else {
      metrics.interToken(Duration.ofNanos(now - request.lastTokenNanos));
    }
    request.lastTokenNanos = now;
    return request.deltas.add(token);
  }

  /**
   * One scheduler step: ONE forward pass over the next rows of every running request, so each
   * weight matrix is read once however many requests are served. Every decoding request
   * contributes its one row; prefilling requests share what is left of the row budget in turn
   * (the turn rotates each step, so a short prompt is never stuck behind a long one), each at most
   * a prefill chunk.
   */
  private void stepAll() {
    Iterator<RunningRequest> it = running.iterator();
    while (it.hasNext()) {
      RunningRequest request = it.next();
      if (request.job.ticket().isCancelled()) {
        request.sequence.cancel();
        it.remove();
        finishSafely(request, false);
      }
    }
    if (running.isEmpty()) {
      return;
    }
    List<RunningRequest> planned = new ArrayList<>();
    List<Integer> plannedRows = new ArrayList<>();
    int budget = maxBatchRows;
    for (RunningRequest request : running) {
      if (!request.sequence.isPrefilling()) {
        planned.add(request);
        plannedRows.add(1);
        budget--;
      }
    }
    List<RunningRequest> prefilling = running.stream().filter(r -> r.sequence.isPrefilling()).toList();
    for (int i = 0; i < prefilling.size() && budget > 0; i++) {
      RunningRequest request = prefilling.get((prefillTurn + i) % prefilling.size());
      int rows = Math.min(budget, Math.min(prefillChunkRows, request.sequence.nextRowCount()));
      planned.add(request);
      plannedRows.add(rows);
      budget -= rows;
    }
    prefillTurn++;
    int totalRows = maxBatchRows - budget;
    int hidden = model.decoder().hiddenSize();
    if (input.length < totalRows * hidden) {
      input = new float[totalRows * hidden];
    }
    List<SequenceRows> batch = new ArrayList<>(planned.size());
    int offset = 0;
    for (int i = 0; i < planned.size(); i++) {
      batch.add(planned.get(i).sequence.takeRows(plannedRows.get(i), input, offset));
      offset += plannedRows.get(i) * hidden;
    }
    float[][] logits;
    try {
      logits = model.decoder().forward(batch, input);
    } catch (ShardUnavailableException e) {
      // A lost shard breaks every pass, not just this one: a model-thread fault (requests fail
      // with UNAVAILABLE, readiness down, KV dropped; recovery rejoins the shards).
      throw e;
    } catch (RuntimeException e) {
      LOG.errorf(e, "a forward pass over %d requests failed on the model thread", planned.size());
      for (RunningRequest request : planned) {
        fail(request, e);
      }
      return;
    }
    int next = 0;
    for (int i = 0; i < planned.size(); i++) {
      RunningRequest request = planned.get(i);
      float[] requestLogits = batch.get(i).wantsLogits() ? logits[next++] : null;
      try {
        request.sequence.completeStep(requestLogits);
      } catch (RuntimeException e) {
        LOG.errorf(e, "request %s failed on the model thread", request.job.requestId());
        fail(request, e);
        continue;
      }
      if (request.sequence.isFinished()) {
        running.remove(request);
        finishSafely(request, false);
      }
    }
  }

  private void fail(RunningRequest request, RuntimeException cause) {
    request.sequence.cancel();
    request.job.sink().failed(cause);
    running.remove(request);
    finishSafely(request, true);
  }

  private void finishSafely(RunningRequest request, boolean failed) {
    try {
      finish(request, failed);
    } catch (RuntimeException e) {
      // The model thread must survive whatever a sink does.
      LOG.errorf(e, "finishing request %s failed", request.job.requestId());
    }
  }

  private void finish(RunningRequest request, boolean failed) {
    metrics.running.decrementAndGet();
    waiting.finished(request.job);
    // A buffer whose forward call threw may hold a half-written position: never reuse it.
    pool.release(request.lease, request.sequence.kvContent(), request.job.cachePrompt() && !failed);
    GenerationResult result = request.sequence.result();
    if (failed) {
      return;
    }
    if (result.finishReason() == FinishReason.CANCELLED) {
      RequestLog.cancelled(request.job.requestId(), result, request.job.admittedNanos());
      return;
    }
    if (result.finishReason() == FinishReason.STOP && !request.deltas.stopStringMatched()) {
      metrics.generated(); // the end-of-turn token: counted, never sent
    }
    request.deltas.finish();
    metrics.finished(result.finishReason(), Duration.ofNanos(System.nanoTime() - request.job.admittedNanos()));
    request.job.sink().completed(result);
    RequestLog.finished(request.job.requestId(), result, request.job.admittedNanos(), request.firstTokenNanos);
  }
}
