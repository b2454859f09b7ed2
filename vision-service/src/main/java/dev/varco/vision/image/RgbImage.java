package dev.varco.vision.image;

/**
 * An 8-bit RGB image, pixels interleaved row-major ({@code [y][x][r, g, b]}), as the reference
 * processor sees it after {@code convert_to_rgb}.
 */
public record RgbImage(int width, int height, byte[] pixels) {
  public RgbImage {
    if (width <= 0 || height <= 0 || pixels.length != (long) width * height * 3) {
      throw new IllegalArgumentException("RGB buffer of " + pixels.length + " bytes does not hold " + width + "x" + height);
    }
  }

  /** Channel value 0..255 at (x, y). */
  public int sample(int x, int y, int channel) {
    return pixels[(y * width + x) * 3 + channel] & 0xFF;
  }
}
