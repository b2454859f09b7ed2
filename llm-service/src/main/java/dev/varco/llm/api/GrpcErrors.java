package dev.varco.llm.api;

import dev.varco.llm.engine.BackendUnavailableException;
import dev.varco.llm.engine.ContextLengthExceededException;
import dev.varco.llm.engine.InvalidRequestException;
import dev.varco.llm.engine.QueueFullException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.jboss.logging.Logger;

/** Maps the service's exceptions to gRPC statuses with a human message; never leaks a stack trace. */
final class GrpcErrors {
  private static final Logger LOG = Logger.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  static StatusRuntimeException toStatus(Throwable error, String requestId) {
    Status status =
        switch (error) {
          case StatusRuntimeException s -> s.getStatus();
          case ContextLengthExceededException e -> Status.OUT_OF_RANGE.withDescription(e.getMessage());
          case InvalidRequestException e -> Status.INVALID_ARGUMENT.withDescription(e.getMessage());
          case QueueFullException e -> Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage());
          case BackendUnavailableException e -> Status.UNAVAILABLE.withDescription(e.getMessage());
          default -> {
            LOG.errorf(error, "request %s failed", requestId);
            yield Status.INTERNAL.withDescription("internal error in llm-service: " + error.getClass().getSimpleName());
          }
        };
    return status.asRuntimeException();
  }
}
