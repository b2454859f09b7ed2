package dev.varco.gateway.api;

import dev.varco.gateway.upstream.LanguageModelClient.Generation;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Vertx;

/**
 * The answer stream of one streaming gRPC call, written from any thread one call at a time and
 * nothing after its end. While the call is not ready (the client reads nothing and gRPC's buffer
 * for it is full) the generation is paused; a client that reads nothing for the stall timeout
 * gets {@code RESOURCE_EXHAUSTED} and its generation is stopped ({@link Backpressure}). A client
 * that cancels the call cancels the generation too, whenever it was attached. Must be made before
 * the service method returns: gRPC takes the ready and cancel handlers only then.
 */
final class PacedGrpcStream<T> {
  private final StreamObserver<T> responses;
  private final ServerCallStreamObserver<T> call;
  private final Backpressure pacing;
  private final GatewayMetrics metrics;
  private boolean done;

  /** {@code onCancel} runs besides when the client cancels the call (null: nothing more to do). */
  PacedGrpcStream(StreamObserver<T> responses, Vertx vertx, StreamConfig config, GatewayMetrics metrics,
      Runnable onCancel) {
    this.responses = responses;
    this.metrics = metrics;
    this.pacing = new Backpressure(vertx, config.stallTimeout(), this::stalled);
    this.call = responses instanceof ServerCallStreamObserver<T> serverCall ? serverCall : null;
    if (call != null) {
      call.setOnReadyHandler(pacing::drained);
      call.setOnCancelHandler(() -> {
        synchronized (this) {
          done = true;
        }
        pacing.cancel();
        if (onCancel != null) {
          onCancel.run();
        }
      });
    }
  }

  /** The generation to pause while the client reads nothing. */
  void attach(Generation generation) {
    pacing.attach(generation);
  }

  synchronized void send(T message) {
    if (done) {
      return;
    }
    responses.onNext(message);
    if (call != null && !call.isReady()) {
      pacing.full();
    }
  }

  synchronized void complete() {
    if (!done) {
      done = true;
      pacing.finished();
      responses.onCompleted();
    }
  }

  synchronized void fail(Throwable error) {
    if (!done) {
      done = true;
      pacing.finished();
      responses.onError(error);
    }
  }

  private void stalled() {
    metrics.error("grpc", Status.Code.RESOURCE_EXHAUSTED.name(), "server_error");
    fail(Status.RESOURCE_EXHAUSTED.withDescription(pacing.stallMessage()).asRuntimeException());
  }
}
