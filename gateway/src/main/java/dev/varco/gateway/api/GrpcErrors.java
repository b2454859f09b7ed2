package dev.varco.gateway.api;

import dev.varco.gateway.chat.ChatTurnRules;
import dev.varco.gateway.chat.InvalidRequestException;
import dev.varco.gateway.session.ConversationBusyException;
import dev.varco.gateway.session.ConversationLimitException;
import dev.varco.gateway.session.StoreFailure;
import dev.varco.gateway.session.UnknownIdException;
import dev.varco.gateway.upstream.UpstreamFailure;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * The gRPC status of each refusal of the conversation RPCs, counted in the error metric:
 * INVALID_ARGUMENT naming the field (OUT_OF_RANGE for text over the character caps), NOT_FOUND for an unknown or another caller's id, ABORTED
 * for a conversation busy with another turn (the client retries when that turn has ended, as
 * gRPC's guide says for ABORTED), RESOURCE_EXHAUSTED for a conversation past a turn limit, and
 * INTERNAL (logged, never a stack trace on the wire) for anything else.
 */
@ApplicationScoped
class GrpcErrors {
  private static final Logger LOG = Logger.getLogger(GrpcErrors.class);

  @Inject GatewayMetrics metrics;

  StatusRuntimeException of(Throwable error) {
    Status status = switch (error) {
      case ConversationLimitException e -> Status.RESOURCE_EXHAUSTED.withDescription(named(e));
      // Text over the character caps: a context overflow, as llm-service reports one.
      case InvalidRequestException e when ChatTurnRules.CONTEXT_LENGTH_EXCEEDED.equals(e.code()) ->
          Status.OUT_OF_RANGE.withDescription(named(e));
      case InvalidRequestException e -> Status.INVALID_ARGUMENT.withDescription(named(e));
      case UnknownIdException e -> Status.NOT_FOUND.withDescription(e.getMessage());
      case ConversationBusyException e -> Status.ABORTED.withDescription(e.getMessage());
      // The store (Redis) is unreachable: retry later, as REST's 503 store_unavailable says.
      case StoreFailure e -> Status.UNAVAILABLE.withDescription("the conversation store is unavailable: "
          + e.getMessage());
      default -> {
        LOG.error("a conversation call failed", error);
        yield Status.INTERNAL.withDescription("internal error");
      }
    };
    metrics.error("grpc", status.getCode().name(), switch (status.getCode()) {
      case INVALID_ARGUMENT, OUT_OF_RANGE, NOT_FOUND -> "invalid_request_error";
      case ABORTED -> "conversation_busy";
      case RESOURCE_EXHAUSTED -> "conversation_limit";
      case UNAVAILABLE -> "store_unavailable";
      default -> "server_error";
    });
    return status.asRuntimeException();
  }

  StatusRuntimeException of(UpstreamFailure failure) {
    metrics.error("grpc", failure.grpcCode().name(), failure.errorType());
    return failure.toGrpc();
  }

  StatusRuntimeException notFound(String message) {
    metrics.error("grpc", Status.Code.NOT_FOUND.name(), "invalid_request_error");
    return Status.NOT_FOUND.withDescription(message).asRuntimeException();
  }

  /** The description names the field: the message does when it can, else it is put in front. */
  private static String named(InvalidRequestException e) {
    return e.param() == null || e.getMessage().contains(e.param()) ? e.getMessage() : e.param() + ": " + e.getMessage();
  }
}
