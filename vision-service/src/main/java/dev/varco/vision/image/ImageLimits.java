package dev.varco.vision.image;

/**
 * What the decoder accepts. Checked in order of cost: byte size before anything is parsed, then
 * the dimensions from the file header before the pixels are decoded.
 *
 * @param maxBytes largest accepted file
 * @param maxPixels largest accepted width * height
 * @param maxSide largest accepted width or height
 */
public record ImageLimits(long maxBytes, long maxPixels, int maxSide) {
  public ImageLimits {
    if (maxBytes <= 0 || maxPixels <= 0 || maxSide <= 0) {
      throw new IllegalArgumentException("image limits must be positive: " + maxBytes + ", " + maxPixels + ", " + maxSide);
    }
  }
}
