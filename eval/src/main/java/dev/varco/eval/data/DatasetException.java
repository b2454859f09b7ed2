package dev.varco.eval.data;

/** A dataset file that cannot be used as it is: the message names the file and the problem. */
public final class DatasetException extends RuntimeException {
  public DatasetException(String message) {
    super(message);
  }

  public DatasetException(String message, Throwable cause) {
    super(message, cause);
  }
}
