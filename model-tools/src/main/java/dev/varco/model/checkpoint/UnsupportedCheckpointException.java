package dev.varco.model.checkpoint;

/** A checkpoint the converter refuses; the message names what is missing or not understood. */
public class UnsupportedCheckpointException extends RuntimeException {
  public UnsupportedCheckpointException(String message) {
    super(message);
  }
}
