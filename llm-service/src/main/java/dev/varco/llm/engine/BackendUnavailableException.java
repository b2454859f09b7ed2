package dev.varco.llm.engine;

/** Something this request needs is not there: the model is still loading, or the vision service cannot be reached. */
public class BackendUnavailableException extends RuntimeException {
  public BackendUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
