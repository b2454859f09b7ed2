package dev.varco.vision.engine;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Single flight: concurrent requests for the same {@link EmbeddingKey} share one encode. Each
 * caller gets its own future; cancelling it detaches that caller only, and the shared encode is
 * cancelled (its pending tiles dropped) once no caller is left waiting for it.
 */
public final class InFlightEncodes {
  private final Map<EmbeddingKey, SharedEncode> running = new HashMap<>();
  private long joined;

  /** One encode and the callers still waiting for it. */
  private static final class SharedEncode {
    final CompletableFuture<ImageEmbedding> result;
    int waitingCallers;

    SharedEncode(CompletableFuture<ImageEmbedding> result) {
      this.result = result;
    }
  }

  /**
   * The caller's view of the encode for {@code key}: joins one already running, or begins one with
   * {@code begin} (whose exception, such as a full queue, reaches this caller and registers nothing).
   */
  public CompletableFuture<ImageEmbedding> join(EmbeddingKey key, Supplier<CompletableFuture<ImageEmbedding>> begin) {
    SharedEncode shared;
    synchronized (this) {
      shared = running.get(key);
      if (shared == null) {
        shared = new SharedEncode(begin.get());
        running.put(key, shared);
      } else {
        joined++;
      }
      shared.waitingCallers++;
    }
    SharedEncode encode = shared;
    encode.result.whenComplete((embedding, error) -> forget(key, encode));
    CompletableFuture<ImageEmbedding> caller = new CompletableFuture<>();
    encode.result.whenComplete(
        (embedding, error) -> {
          if (error != null) {
            caller.completeExceptionally(error);
          } else {
            caller.complete(embedding);
          }
        });
    caller.whenComplete(
        (embedding, error) -> {
          if (caller.isCancelled()) {
            detach(key, encode);
          }
        });
    return caller;
  }

  private synchronized void forget(EmbeddingKey key, SharedEncode encode) {
    running.remove(key, encode);
  }

  private void detach(EmbeddingKey key, SharedEncode encode) {
    boolean lastCaller;
    synchronized (this) {
      lastCaller = --encode.waitingCallers == 0;
      if (lastCaller) {
        running.remove(key, encode);
      }
    }
    if (lastCaller) {
      encode.result.cancel(false);
    }
  }

  /** Requests that were served by an identical encode already in flight. */
  public synchronized long joined() {
    return joined;
  }

  /** Distinct images being encoded now. */
  public synchronized int size() {
    return running.size();
  }
}
