package dev.varco.vision.api;

/** A request field is wrong; the message names the field. Maps to INVALID_ARGUMENT. */
class InvalidRequestException extends RuntimeException {
  InvalidRequestException(String message) {
    super(message);
  }
}
