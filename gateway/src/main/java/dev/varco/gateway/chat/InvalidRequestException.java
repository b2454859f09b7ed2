package dev.varco.gateway.chat;

/**
 * A request the gateway refuses before calling any backend. The message names the problem; {@code
 * param} names the offending field in the OpenAI request (for example {@code messages[0].content}),
 * or is null when the body as a whole is at fault.
 */
public class InvalidRequestException extends RuntimeException {
  private final String param;
  private final String code;

  public InvalidRequestException(String param, String message) {
    this(param, message, null);
  }

  /** @param code OpenAI's error code, such as {@code context_length_exceeded}; null for none */
  public InvalidRequestException(String param, String message, String code) {
    super(message);
    this.param = param;
    this.code = code;
  }

  public String param() {
    return param;
  }

  public String code() {
    return code;
  }
}
