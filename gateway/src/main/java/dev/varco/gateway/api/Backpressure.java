package dev.varco.gateway.api;

import dev.varco.gateway.upstream.LanguageModelClient.Generation;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * Back-pressure of one streamed answer. When the client's side stops taking what is written (an
 * SSE response's write queue is full, a gRPC call is not ready), the generation upstream is
 * paused, so the gateway holds at most one write queue and a few events per stream however long
 * the answer; when the client reads again it resumes. A client that takes nothing for the stall
 * timeout is cut: the generation is cancelled (freeing its place in llm-service) and {@code
 * onStall} ends the stream with an error. Thread-safe: the edges call it from their own threads.
 */
final class Backpressure {
  private final Vertx vertx;
  private final Duration stallTimeout;
  private final Runnable onStall;
  private Generation upstream;
  private boolean paused;
  private boolean over;
  private boolean cancelled;
  private long timer = -1;

  Backpressure(Vertx vertx, Duration stallTimeout, Runnable onStall) {
    this.vertx = vertx;
    this.stallTimeout = stallTimeout;
    this.onStall = onStall;
  }

  /** The generation to pause; a stream that filled up before it started pauses it at once. */
  synchronized void attach(Generation generation) {
    upstream = generation;
    if (cancelled) {
      generation.cancel();
    } else if (paused) {
      generation.pause();
    }
  }

  /** The client went away: cancel the generation, now or as soon as it is attached. */
  void cancel() {
    Generation running;
    synchronized (this) {
      over = true;
      cancelled = true;
      vertx.cancelTimer(timer);
      running = upstream;
    }
    if (running != null) {
      running.cancel();
    }
  }

  /** The client's side is full: pause the generation and start the stall clock. */
  synchronized void full() {
    if (paused || over) {
      return;
    }
    paused = true;
    if (upstream != null) {
      upstream.pause();
    }
    timer = vertx.setTimer(Math.max(1, stallTimeout.toMillis()), id -> stalled());
  }

  /** The client's side took what was queued: resume the generation. */
  synchronized void drained() {
    if (!paused || over) {
      return;
    }
    paused = false;
    vertx.cancelTimer(timer);
    if (upstream != null) {
      upstream.resume();
    }
  }

  /** The stream ended (answered, failed or cut): nothing more to pause or time. */
  synchronized void finished() {
    over = true;
    vertx.cancelTimer(timer);
  }

  private void stalled() {
    Generation cancelled;
    synchronized (this) {
      if (!paused || over) {
        return;
      }
      over = true;
      cancelled = upstream;
    }
    if (cancelled != null) {
      cancelled.cancel();
    }
    onStall.run();
  }

  /** The error a stalled client is told (if it ever reads again) and the logs show. */
  String stallMessage() {
    return "the client read nothing of this streamed answer for " + stallTimeout.toSeconds()
        + " s (varco.gateway.stream.stall-timeout); the generation was stopped";
  }
}
