package dev.varco.eval.client;

/** A chat completion that did not come back: the endpoint's status and message, or the I/O error. */
public final class ChatFailure extends Exception {
  private final int status;

  public ChatFailure(int status, String message) {
    super(message);
    this.status = status;
  }

  /** HTTP status, or 0 when no response came (connection refused, timeout). */
  public int status() {
    return status;
  }
}
