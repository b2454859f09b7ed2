package dev.varco.llm.engine;

/** The request cannot be served as asked; the message names the field and the numbers. */
public class InvalidRequestException extends RuntimeException {
  public InvalidRequestException(String message) {
    super(message);
  }
}
