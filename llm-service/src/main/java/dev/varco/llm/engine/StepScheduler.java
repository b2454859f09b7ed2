package dev.varco.llm.engine;

import dev.varco.llm.model.DecodingSequence;
import dev.varco.llm.model.FinishReason;
import dev.varco.llm.model.GenerationResult;
import dev.varco.llm.model.SampledToken;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Runs on the model thread and owns the model from there on: admits prepared requests (first come,
 * first served) up to {@code max-running-requests} and the KV budget, then goes round the running
 * requests giving each one step (one forward call: a prefill chunk or one token) per round. So a
 * long generation, or a long image prefill, slows a short request down but never blocks it.
 * Cancelled requests leave at the next round.
 */
final class StepScheduler {
  private static final Logger LOG = Logger.getLogger(StepScheduler.class);

  /** A request on the model: its sequence, its KV lease, its output. */
  private static final class RunningRequest {
    final PreparedJob job;
    final KvCachePool.Lease lease;
    final DeltaAssembler deltas;
    DecodingSequence sequence;
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
  private final BlockingQueue<PreparedJob> ready;
  private final Set<Integer> endOfTurnTokens;
  private final ArrayDeque<PreparedJob> waiting = new ArrayDeque<>();
  private final List<RunningRequest> running = new ArrayList<>();

  StepScheduler(LoadedModel model, KvCachePool pool, EngineMetrics metrics, int maxRunning, BlockingQueue<PreparedJob> ready) {
    this.model = model;
    this.pool = pool;
    this.metrics = metrics;
    this.maxRunning = maxRunning;
    this.ready = ready;
    this.endOfTurnTokens = new HashSet<>(model.manifest().llm().eosTokenIds());
  }

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
        ready.drainTo(waiting);
        dropCancelledWaiting();
        pool.evictExpired(System.nanoTime());
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
      ready.drainTo(waiting);
      for (PreparedJob job : waiting) {
        if (!job.ticket().isCancelled()) {
          ModelThreadFault.bestEffort(() -> job.sink().failed(failure));
        }
      }
    }
    metrics.waiting.addAndGet(-waiting.size());
    waiting.clear();
    ModelThreadFault.bestEffort(pool::close);
  }

  /** Blocks until a request is ready or an idle buffer expires; false when interrupted. */
  private boolean awaitWork() {
    try {
      long untilExpiry = pool.nanosUntilNextExpiry(System.nanoTime());
      PreparedJob job = untilExpiry < 0 ? ready.take() : ready.poll(untilExpiry, TimeUnit.NANOSECONDS);
      if (job != null) {
        waiting.add(job);
      }
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  private void dropCancelledWaiting() {
    Iterator<PreparedJob> it = waiting.iterator();
    while (it.hasNext()) {
      if (it.next().ticket().isCancelled()) {
        it.remove();
        metrics.waiting.decrementAndGet();
      }
    }
  }

  private void admit() {
    while (running.size() < maxRunning && !waiting.isEmpty()) {
      PreparedJob job = waiting.peek();
      int positions = job.prompt().length() + job.maxTokens();
      if (!running.isEmpty() && !pool.fits(positions)) {
        return; // waits for memory; first come, first served
      }
      waiting.poll();
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
      metrics.firstToken(Duration.ofNanos(now - request.job.admittedNanos()));
    } else {
      metrics.interToken(Duration.ofNanos(now - request.lastTokenNanos));
    }
    request.lastTokenNanos = now;
    return request.deltas.add(token);
  }

  /** One round: one step for every running request, in admission order. */
  private void stepAll() {
    Iterator<RunningRequest> it = running.iterator();
    while (it.hasNext()) {
      RunningRequest request = it.next();
      boolean failed = false;
      if (request.job.ticket().isCancelled()) {
        request.sequence.cancel();
      } else {
        try {
          request.sequence.step();
        } catch (RuntimeException e) {
          LOG.errorf(e, "request %s failed on the model thread", request.job.requestId());
          request.sequence.cancel();
          request.job.sink().failed(e);
          failed = true;
        }
      }
      if (request.sequence.isFinished()) {
        it.remove();
        try {
          finish(request, failed);
        } catch (RuntimeException e) {
          // The model thread must survive whatever a sink does.
          LOG.errorf(e, "finishing request %s failed", request.job.requestId());
        }
      }
    }
  }

  private void finish(RunningRequest request, boolean failed) {
    metrics.running.decrementAndGet();
    // A buffer whose forward call threw may hold a half-written position: never reuse it.
    pool.release(request.lease, request.sequence.kvContent(), request.job.cachePrompt() && !failed);
    GenerationResult result = request.sequence.result();
    if (failed) {
      return;
    }
    if (result.finishReason() == FinishReason.CANCELLED) {
      LOG.debugf("request %s cancelled after %d tokens", request.job.requestId(), result.completionTokens());
      return;
    }
    if (result.finishReason() == FinishReason.STOP && !request.deltas.stopStringMatched()) {
      metrics.generated(); // the end-of-turn token: counted, never sent
    }
    request.deltas.finish();
    metrics.finished(result.finishReason(), Duration.ofNanos(System.nanoTime() - request.job.admittedNanos()));
    request.job.sink().completed(result);
  }
}
