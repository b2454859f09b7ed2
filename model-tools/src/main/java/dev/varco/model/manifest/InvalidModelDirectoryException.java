package dev.varco.model.manifest;

/** A model directory that cannot be served; the message says what is wrong with it. */
public class InvalidModelDirectoryException extends RuntimeException {
  public InvalidModelDirectoryException(String message) {
    super(message);
  }
}
