package dev.varco.gateway.chat;

/**
 * A request the gateway refuses before calling any backend. The message names the problem; {@code
 * param} names the offending field in the OpenAI request (for example {@code messages[0].content}),
 * or is null when the body as a whole is at fault.
 */
public class InvalidRequestException extends RuntimeException {
  private final String param;

  public InvalidRequestException(String param, String message) {
    super(message);
    this.param = param;
  }

  public String param() {
    return param;
  }
}
