package dev.varco.vision.engine;

/** The encode queue is full; the caller should retry later. */
public class EngineBusyException extends RuntimeException {
  public EngineBusyException(String message) {
    super(message);
  }
}
