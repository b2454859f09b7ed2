package dev.varco.llm.engine;

/** As many requests as configured are already waiting; the caller should retry later. */
public class QueueFullException extends RuntimeException {
  public QueueFullException(String message) {
    super(message);
  }
}
