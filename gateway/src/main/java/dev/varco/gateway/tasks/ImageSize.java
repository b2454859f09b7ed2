package dev.varco.gateway.tasks;

/**
 * The size of the original image as the model sees it: after the EXIF orientation is applied, so
 * that normalized boxes (fractions of this size) map back onto the upright picture the user sees.
 */
public record ImageSize(int width, int height) {
  public ImageSize {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
    }
  }
}
