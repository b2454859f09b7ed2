package dev.varco.vision.api;

import dev.varco.vision.engine.EngineBusyException;
import dev.varco.vision.engine.EngineUnavailableException;
import dev.varco.vision.image.ImageRejectedException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import org.jboss.logging.Logger;

/** Maps what went wrong to the gRPC status the contract promises, with a message for humans. */
final class GrpcErrors {
  private static final Logger LOG = Logger.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  static StatusRuntimeException toStatus(Throwable error, String requestId) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    Status status;
    if (cause instanceof ImageRejectedException || cause instanceof InvalidRequestException) {
      status = Status.INVALID_ARGUMENT.withDescription(cause.getMessage());
    } else if (cause instanceof EngineBusyException) {
      status = Status.RESOURCE_EXHAUSTED.withDescription(cause.getMessage());
    } else if (cause instanceof EngineUnavailableException) {
      status = Status.UNAVAILABLE.withDescription(cause.getMessage());
    } else {
      LOG.errorf(cause, "request %s: encoding failed", requestId);
      status = Status.INTERNAL.withDescription("encoding failed: " + cause);
    }
    if (status.getCode() != Status.Code.INTERNAL) {
      LOG.debugf("request %s: %s %s", requestId, status.getCode(), status.getDescription());
    }
    return status.asRuntimeException();
  }
}
