package dev.varco.gateway.upstream;

import dev.varco.gateway.chat.ChatTurnRules;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A backend call that failed, classified the way clients see it: the HTTP status, the OpenAI error
 * type, a message that says what went wrong without a stack trace, and, when llm-service named the
 * field at fault, OpenAI's {@code param} (in chat-completions terms) and {@code code}.
 */
public record UpstreamFailure(int httpStatus, String errorType, String message, Status.Code grpcCode, String param,
    String code) {

  /** llm-service starts an invalid-argument message with the field: {@code messages[1].content[0].image: ...}. */
  private static final Pattern FIELD_FIRST =
      Pattern.compile("([a-z_]+(?:\\[\\d+])*(?:\\.[a-z_]+(?:\\[\\d+])*)*): (.+)", Pattern.DOTALL);
  private static final Pattern CONTENT_PART = Pattern.compile("messages\\[\\d+]\\.content\\[\\d+]");

  public UpstreamFailure(int httpStatus, String errorType, String message, Status.Code grpcCode) {
    this(httpStatus, errorType, message, grpcCode, null, null);
  }

  /** Classifies a failure of a call to the language-model service. */
  public static UpstreamFailure from(Throwable error) {
    Status status = Status.fromThrowable(error);
    String detail = status.getDescription() != null ? status.getDescription() : status.getCode().name();
    return switch (status.getCode()) {
      case INVALID_ARGUMENT, FAILED_PRECONDITION -> invalid(detail, null);
      // llm-service's context overflow (prompt or prompt + max_tokens), OpenAI's context_length_exceeded.
      case OUT_OF_RANGE -> invalid(detail, ChatTurnRules.CONTEXT_LENGTH_EXCEEDED);
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

  /**
   * Seconds a client should wait after llm-service's queue was full (REST {@code Retry-After}, gRPC
   * {@code retry-after} trailer): slots free as answers end, which llm-service cannot foretell, so
   * one second, the same as a key's own concurrency limit says.
   */
  public static final long BUSY_RETRY_AFTER_SECONDS = 1;

  /** The gRPC error for the gateway's own gRPC callers; a full queue carries a {@code retry-after} trailer. */
  public StatusRuntimeException toGrpc() {
    Metadata trailers = new Metadata();
    if (grpcCode == Status.Code.RESOURCE_EXHAUSTED) {
      trailers.put(Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER),
          Long.toString(BUSY_RETRY_AFTER_SECONDS));
    }
    return Status.fromCode(grpcCode).withDescription(message).asRuntimeException(trailers);
  }

  /** A stream that ended without the final message the contract promises. */
  public static UpstreamFailure truncatedStream() {
    return new UpstreamFailure(502, "server_error",
        "the language model ended the stream without a completion", Status.Code.INTERNAL);
  }

  /** This failure with {@code param} renamed for another edge (null keeps it null). */
  public UpstreamFailure withParam(java.util.function.UnaryOperator<String> rename) {
    return param == null ? this : new UpstreamFailure(httpStatus, errorType, message, grpcCode, rename.apply(param), code);
  }

  private static UpstreamFailure invalid(String detail, String code) {
    Status.Code grpc = code == null ? Status.Code.INVALID_ARGUMENT : Status.Code.OUT_OF_RANGE;
    Matcher field = FIELD_FIRST.matcher(detail);
    if (!field.matches()) {
      return new UpstreamFailure(400, "invalid_request_error", detail, grpc, null, code);
    }
    String param = openAiParam(field.group(1));
    return new UpstreamFailure(400, "invalid_request_error", param + ": " + field.group(2), grpc, param, code);
  }

  /**
   * llm-service's field path as a chat-completions param: sampling fields lose their prefix, and an
   * image ({@code messages[i].content[j].image.data}) is the content part that carried it.
   */
  static String openAiParam(String path) {
    if (path.startsWith("sampling.")) {
      return path.substring("sampling.".length());
    }
    Matcher part = CONTENT_PART.matcher(path);
    return part.lookingAt() ? part.group() : path;
  }
}
