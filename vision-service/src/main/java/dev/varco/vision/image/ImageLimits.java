package dev.varco.vision.image;

import java.util.Locale;

/**
 * What the decoder accepts. Checked in order of cost: byte size before anything is parsed, then
 * the dimensions from the file header before the pixels are decoded.
 *
 * @param maxBytes largest accepted file
 * @param maxPixels largest accepted width * height: the decoded-pixel budget of one request (one
 *     request carries one image), which bounds its decode memory and time
 * @param maxSide largest accepted width or height
 * @param maxAspectRatio largest accepted long side / short side (a 1x100000 strip carries no
 *     picture the model can read, yet costs as much to resample as a photo)
 */
public record ImageLimits(long maxBytes, long maxPixels, int maxSide, double maxAspectRatio) {
  /** Qwen2-VL's processor refuses aspect ratios over 200 as well; real panoramas and receipts stay well below. */
  public static final double DEFAULT_MAX_ASPECT_RATIO = 200;

  public ImageLimits {
    if (maxBytes <= 0 || maxPixels <= 0 || maxSide <= 0 || !(maxAspectRatio >= 1)) {
      throw new IllegalArgumentException(
          "image limits must be positive (aspect ratio at least 1): " + maxBytes + ", " + maxPixels + ", " + maxSide
              + ", " + maxAspectRatio);
    }
  }

  public ImageLimits(long maxBytes, long maxPixels, int maxSide) {
    this(maxBytes, maxPixels, maxSide, DEFAULT_MAX_ASPECT_RATIO);
  }

  void checkBytes(long length) {
    if (length > maxBytes) {
      throw new ImageRejectedException("image is " + length + " bytes, over the limit of " + maxBytes + " bytes (varco.vision.max-image-bytes)");
    }
  }

  /** Dimensions as declared by the file header, checked before any pixel is decoded. */
  void checkDimensions(long width, long height) {
    if (width <= 0 || height <= 0) {
      throw new ImageRejectedException("image has no pixels (" + width + "x" + height + ")");
    }
    if (width > maxSide || height > maxSide) {
      throw new ImageRejectedException(
          "image is " + width + "x" + height + ", over the limit of " + maxSide + " pixels per side (varco.vision.max-image-side)");
    }
    if (width * height > maxPixels) {
      throw new ImageRejectedException(
          "image is " + width + "x" + height + " = " + width * height + " pixels, over the limit of " + maxPixels
              + " decoded pixels per image (varco.vision.max-image-pixels)");
    }
    double aspect = (double) Math.max(width, height) / Math.min(width, height);
    if (aspect > maxAspectRatio) {
      throw new ImageRejectedException(
          "image is " + width + "x" + height + ", aspect ratio " + format(aspect) + ":1 is over the limit of "
              + format(maxAspectRatio) + ":1 (varco.vision.max-image-aspect-ratio)");
    }
  }

  private static String format(double ratio) {
    return ratio == Math.rint(ratio) ? String.valueOf((long) ratio) : String.format(Locale.ROOT, "%.1f", ratio);
  }
}
