package dev.varco.gateway.api;

import io.grpc.stub.StreamObserver;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.Callable;

/**
 * Runs a unary gRPC call that touches the store on a worker thread (the store may block; gRPC
 * calls arrive on an event loop) and answers it: the result, or the status {@link GrpcErrors}
 * gives the failure.
 */
@ApplicationScoped
class GrpcBlocking {
  @Inject GrpcErrors errors;
  @Inject Vertx vertx;

  <T> void answer(StreamObserver<T> responses, Callable<T> work) {
    vertx.executeBlocking(work, false).onComplete(done -> {
      if (done.succeeded()) {
        responses.onNext(done.result());
        responses.onCompleted();
      } else {
        responses.onError(errors.of(done.cause()));
      }
    });
  }
}
