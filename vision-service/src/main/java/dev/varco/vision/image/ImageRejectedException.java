package dev.varco.vision.image;

/** The bytes are not an image this service accepts; the message tells the caller what to fix. */
public class ImageRejectedException extends RuntimeException {
  public ImageRejectedException(String message) {
    super(message);
  }
}
