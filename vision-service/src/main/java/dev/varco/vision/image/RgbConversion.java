package dev.varco.vision.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Decoded samples to 8-bit RGB exactly as Pillow's {@code Image.convert("RGB")} makes them, which
 * is what transformers' {@code load_image} applies to every image it reads: alpha is dropped (not
 * composited), palettes are looked up, grey is replicated, 16-bit samples keep their high byte,
 * 16-bit greyscale without alpha is clamped to 0..255 (Pillow opens it as 32-bit integers), and
 * CMYK follows Pillow's {@code cmyk2rgb}. Samples are read from the raster, never through AWT's
 * colour management, which would re-gamma grey and apply embedded profiles.
 */
final class RgbConversion {
  /** libjpeg's fixed-point YCbCr constants (jdcolor.c), for YCCK JPEGs. */
  private static final int SCALE_BITS = 16;
  private static final int ONE_HALF = 1 << (SCALE_BITS - 1);
  private static final int FIX_1_402 = fix(1.40200);
  private static final int FIX_1_772 = fix(1.77200);
  private static final int FIX_0_714 = fix(0.71414);
  private static final int FIX_0_344 = fix(0.34414);

  private RgbConversion() {}

  static RgbImage of(BufferedImage image, ImageHeader header) {
    ColorModel model = image.getColorModel();
    Raster raster = image.getRaster();
    int width = raster.getWidth();
    int height = raster.getHeight();
    int bands = raster.getNumBands();
    byte[] rgb = new byte[width * height * 3];
    int[] row = new int[width * bands];
    boolean grey = model.getColorSpace().getType() == ColorSpace.TYPE_GRAY && bands <= 2;
    int bits = model.getComponentSize(0);
    for (int y = 0; y < height; y++) {
      raster.getPixels(0, y, width, 1, row);
      for (int x = 0; x < width; x++) {
        int o = (y * width + x) * 3;
        int s = x * bands;
        if (model instanceof IndexColorModel palette) {
          int index = row[s];
          rgb[o] = (byte) palette.getRed(index);
          rgb[o + 1] = (byte) palette.getGreen(index);
          rgb[o + 2] = (byte) palette.getBlue(index);
        } else if (grey) {
          byte level = (byte) toEightBits(row[s], bits, header.greyWithoutAlpha());
          rgb[o] = level;
          rgb[o + 1] = level;
          rgb[o + 2] = level;
        } else {
          rgb[o] = (byte) toEightBits(row[s], bits, false);
          rgb[o + 1] = (byte) toEightBits(row[s + 1], bits, false);
          rgb[o + 2] = (byte) toEightBits(row[s + 2], bits, false);
        }
      }
    }
    return new RgbImage(width, height, rgb);
  }

  /**
   * A 4-component JPEG's raw samples (as stored: Adobe-inverted CMYK, or YCCK when the Adobe
   * transform is 2). Pillow reads CMYK JPEGs as "CMYK;I" (inverted) whatever the markers say;
   * libjpeg turns YCCK into inverted CMYK first.
   */
  static RgbImage ofCmykJpeg(Raster raw, int adobeTransform) {
    int width = raw.getWidth();
    int height = raw.getHeight();
    byte[] rgb = new byte[width * height * 3];
    int[] row = new int[width * 4];
    for (int y = 0; y < height; y++) {
      raw.getPixels(0, y, width, 1, row);
      for (int x = 0; x < width; x++) {
        int s = x * 4;
        int c;
        int m;
        int yellow;
        if (adobeTransform == 2) {
          // libjpeg's ycck_cmyk_convert gives 255 - R/G/B of the YCC triple; Pillow inverts it back.
          int luma = row[s];
          int cb = row[s + 1] - 128;
          int cr = row[s + 2] - 128;
          c = clamp255(luma + ((FIX_1_402 * cr + ONE_HALF) >> SCALE_BITS));
          m = clamp255(luma + ((-FIX_0_344 * cb + ONE_HALF - FIX_0_714 * cr) >> SCALE_BITS));
          yellow = clamp255(luma + ((FIX_1_772 * cb + ONE_HALF) >> SCALE_BITS));
        } else {
          c = 255 - row[s];
          m = 255 - row[s + 1];
          yellow = 255 - row[s + 2];
        }
        int k = 255 - row[s + 3];
        int o = (y * width + x) * 3;
        // Pillow's cmyk2rgb: channel = (255 - k) - c * (255 - k) / 255, with its MULDIV255 rounding.
        int notK = 255 - k;
        rgb[o] = (byte) clamp255(notK - mulDiv255(c, notK));
        rgb[o + 1] = (byte) clamp255(notK - mulDiv255(m, notK));
        rgb[o + 2] = (byte) clamp255(notK - mulDiv255(yellow, notK));
      }
    }
    return new RgbImage(width, height, rgb);
  }

  private static int fix(double x) {
    return (int) (x * (1L << SCALE_BITS) + 0.5);
  }

  private static int mulDiv255(int a, int b) {
    int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
  }

  private static int clamp255(int v) {
    return Math.max(0, Math.min(255, v));
  }

  private static int toEightBits(int sample, int bits, boolean clampInsteadOfScale) {
    if (bits == 8) {
      return sample;
    }
    if (bits == 16) {
      return clampInsteadOfScale ? Math.min(sample, 255) : sample >> 8;
    }
    int max = (1 << bits) - 1;
    return sample * 255 / max; // 1, 2 and 4 bits: exact multiples, as Pillow's L;1/L;2/L;4 unpackers
  }
}
