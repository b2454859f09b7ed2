package dev.varco.vision.engine;

/** The encoder is not loaded (still starting, or its model failed to load). */
public class EngineUnavailableException extends RuntimeException {
  public EngineUnavailableException(String message) {
    super(message);
  }
}
