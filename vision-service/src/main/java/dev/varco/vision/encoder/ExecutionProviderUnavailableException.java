package dev.varco.vision.encoder;

/** The configured execution provider cannot run here; the message says why and what to change. */
public final class ExecutionProviderUnavailableException extends RuntimeException {
  public ExecutionProviderUnavailableException(String message) {
    super(message);
  }
}
