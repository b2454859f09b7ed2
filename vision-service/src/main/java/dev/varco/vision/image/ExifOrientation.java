package dev.varco.vision.image;

/**
 * The EXIF orientation of an image (camera photos are often stored sideways with a tag saying
 * so) and its application, as transformers' {@code load_image} does with
 * {@code PIL.ImageOps.exif_transpose} before the processor sees the image. Values follow the
 * EXIF spec: 1 upright ... 8 rotated 90 degrees.
 */
final class ExifOrientation {
  private static final int TAG_ORIENTATION = 0x0112;

  private ExifOrientation() {}

  /**
   * The orientation tag (0x0112) of IFD0 in the TIFF-structured EXIF block at {@code b[tiff, end)}
   * (a JPEG's APP1 after "Exif\0\0", a PNG's eXIf chunk); 1 when absent, invalid or unreadable.
   */
  static int fromTiff(byte[] b, int tiff, int end) {
    if (tiff + 8 > end) {
      return 1;
    }
    boolean little = b[tiff] == 'I' && b[tiff + 1] == 'I';
    if (!little && !(b[tiff] == 'M' && b[tiff + 1] == 'M')) {
      return 1;
    }
    long ifd = tiff + unsigned(b, tiff + 4, 4, little);
    if (ifd + 2 > end) {
      return 1;
    }
    int entries = (int) unsigned(b, (int) ifd, 2, little);
    for (int i = 0; i < entries; i++) {
      int entry = (int) ifd + 2 + 12 * i;
      if (entry + 12 > end) {
        return 1;
      }
      if (unsigned(b, entry, 2, little) == TAG_ORIENTATION) {
        int value = (int) unsigned(b, entry + 8, 2, little);
        return value >= 1 && value <= 8 ? value : 1;
      }
    }
    return 1;
  }

  private static long unsigned(byte[] b, int at, int width, boolean little) {
    long value = 0;
    for (int i = 0; i < width; i++) {
      int shift = little ? 8 * i : 8 * (width - 1 - i);
      value |= (long) (b[at + i] & 0xFF) << shift;
    }
    return value;
  }

  /** The upright image for an orientation value (1 returns the image itself). */
  static RgbImage apply(RgbImage image, int orientation) {
    if (orientation == 1) {
      return image;
    }
    int w = image.width();
    int h = image.height();
    boolean swapsAxes = orientation >= 5;
    int outWidth = swapsAxes ? h : w;
    int outHeight = swapsAxes ? w : h;
    byte[] out = new byte[image.pixels().length];
    for (int y = 0; y < outHeight; y++) {
      for (int x = 0; x < outWidth; x++) {
        int sx;
        int sy;
        switch (orientation) {
          case 2 -> { sx = w - 1 - x; sy = y; }
          case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
          case 4 -> { sx = x; sy = h - 1 - y; }
          case 5 -> { sx = y; sy = x; }
          case 6 -> { sx = y; sy = h - 1 - x; }
          case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
          default -> { sx = w - 1 - y; sy = x; } // 8
        }
        System.arraycopy(image.pixels(), (sy * w + sx) * 3, out, (y * outWidth + x) * 3, 3);
      }
    }
    return new RgbImage(outWidth, outHeight, out);
  }
}
