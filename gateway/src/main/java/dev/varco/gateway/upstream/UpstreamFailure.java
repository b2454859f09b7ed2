package dev.varco.gateway.upstream;

import io.grpc.Status;

/**
 * A backend call that failed, classified the way clients see it: the HTTP status, the OpenAI error
 * type, and a message that says what went wrong without a stack trace.
 */
public record UpstreamFailure(int httpStatus, String errorType, String message, Status.Code grpcCode) {

  /** Classifies a failure of a call to the language-model service. */
  public static UpstreamFailure from(Throwable error) {
    Status status = Status.fromThrowable(error);
    String detail = status.getDescription() != null ? status.getDescription() : status.getCode().name();
    return switch (status.getCode()) {
      case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION ->
          new UpstreamFailure(400, "invalid_request_error", detail, Status.Code.INVALID_ARGUMENT);
      case NOT_FOUND -> new UpstreamFailure(404, "invalid_request_error", detail, Status.Code.NOT_FOUND);
      case RESOURCE_EXHAUSTED ->
          new UpstreamFailure(429, "rate_limit_error", "the model is busy: " + detail, Status.Code.RESOURCE_EXHAUSTED);
      case UNAVAILABLE ->
          new UpstreamFailure(503, "service_unavailable", "the language model service (llm-service) is unavailable: " + detail,
              Status.Code.UNAVAILABLE);
      case DEADLINE_EXCEEDED ->
          new UpstreamFailure(504, "timeout", "the language model did not answer in time", Status.Code.DEADLINE_EXCEEDED);
      case CANCELLED -> new UpstreamFailure(499, "cancelled", "the request was cancelled", Status.Code.CANCELLED);
      default -> new UpstreamFailure(500, "server_error", "the language model failed: " + detail, Status.Code.INTERNAL);
    };
  }

  /** A stream that ended without the final message the contract promises. */
  public static UpstreamFailure truncatedStream() {
    return new UpstreamFailure(502, "server_error",
        "the language model ended the stream without a completion", Status.Code.INTERNAL);
  }
}
