package dev.varco.vision.image;

/**
 * The EXIF orientation of a JPEG (camera photos are often stored sideways with a tag saying so)
 * and its application, as {@code PIL.ImageOps.exif_transpose} does before the reference
 * processor sees the image. Values follow the EXIF spec: 1 upright ... 8 rotated 90 degrees.
 */
final class ExifOrientation {
  private static final int TAG_ORIENTATION = 0x0112;

  private ExifOrientation() {}

  /** The orientation tag of a JPEG's APP1 Exif segment, or 1 when absent or unreadable. */
  static int of(byte[] jpeg) {
    int offset = 2; // after SOI
    while (offset + 4 <= jpeg.length && (jpeg[offset] & 0xFF) == 0xFF) {
      int marker = jpeg[offset + 1] & 0xFF;
      int length = ((jpeg[offset + 2] & 0xFF) << 8) | (jpeg[offset + 3] & 0xFF);
      if (marker == 0xDA || length < 2) { // start of scan: no metadata after this
        return 1;
      }
      int body = offset + 4;
      if (marker == 0xE1 && body + 6 <= jpeg.length && isExifHeader(jpeg, body)) {
        return fromTiff(jpeg, body + 6, Math.min(jpeg.length, offset + 2 + length));
      }
      offset += 2 + length;
    }
    return 1;
  }

  private static boolean isExifHeader(byte[] b, int at) {
    return b[at] == 'E' && b[at + 1] == 'x' && b[at + 2] == 'i' && b[at + 3] == 'f' && b[at + 4] == 0 && b[at + 5] == 0;
  }

  private static int fromTiff(byte[] b, int tiff, int end) {
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
