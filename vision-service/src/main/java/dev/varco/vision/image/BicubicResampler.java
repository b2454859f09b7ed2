package dev.varco.vision.image;

import java.util.Arrays;

/**
 * PIL's {@code Image.resize(size, Image.BICUBIC)} on an 8-bit RGB image, ported from Pillow's
 * {@code libImaging/Resample.c} so that resized pixels match the reference processor's: a
 * separable convolution, horizontal pass first, each pass only when that side changes; the
 * Keys kernel (a = -0.5, support 2) stretched by the scale when shrinking so every source pixel
 * contributes (antialiasing); weights normalised to sum 1, then turned into 22-bit fixed point;
 * each pass rounds (a half is pre-added) and clamps to 8 bits before the next one reads it.
 */
public final class BicubicResampler {
  private static final double SUPPORT = 2.0;
  private static final double A = -0.5;
  /** Pillow's PRECISION_BITS for 8-bit images: 32 - 8 - 2. */
  private static final int PRECISION_BITS = 22;
  private static final int HALF = 1 << (PRECISION_BITS - 1);

  private BicubicResampler() {}

  public static RgbImage resize(RgbImage source, int width, int height) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("resize target must be positive, got " + width + "x" + height);
    }
    RgbImage image = source;
    if (width != image.width()) {
      image = horizontal(image, width, Coefficients.of(image.width(), width));
    }
    if (height != image.height()) {
      image = vertical(image, height, Coefficients.of(image.height(), height));
    }
    return image;
  }

  private static RgbImage horizontal(RgbImage in, int width, Coefficients taps) {
    byte[] src = in.pixels();
    byte[] out = new byte[width * in.height() * 3];
    int inWidth = in.width();
    for (int y = 0; y < in.height(); y++) {
      int row = y * inWidth;
      for (int x = 0; x < width; x++) {
        int first = taps.first[x];
        int count = taps.count[x];
        int kernelStart = x * taps.stride;
        int r = HALF;
        int g = HALF;
        int b = HALF;
        for (int k = 0; k < count; k++) {
          int weight = taps.weights[kernelStart + k];
          int p = (row + first + k) * 3;
          r += (src[p] & 0xFF) * weight;
          g += (src[p + 1] & 0xFF) * weight;
          b += (src[p + 2] & 0xFF) * weight;
        }
        int o = (y * width + x) * 3;
        out[o] = clip8(r);
        out[o + 1] = clip8(g);
        out[o + 2] = clip8(b);
      }
    }
    return new RgbImage(width, in.height(), out);
  }

  private static RgbImage vertical(RgbImage in, int height, Coefficients taps) {
    byte[] src = in.pixels();
    int width = in.width();
    int rowBytes = width * 3;
    byte[] out = new byte[rowBytes * height];
    int[] sums = new int[rowBytes];
    for (int y = 0; y < height; y++) {
      Arrays.fill(sums, HALF);
      int first = taps.first[y];
      int kernelStart = y * taps.stride;
      for (int k = 0; k < taps.count[y]; k++) {
        int weight = taps.weights[kernelStart + k];
        int p = (first + k) * rowBytes;
        for (int i = 0; i < rowBytes; i++) {
          sums[i] += (src[p + i] & 0xFF) * weight;
        }
      }
      int o = y * rowBytes;
      for (int i = 0; i < rowBytes; i++) {
        out[o + i] = clip8(sums[i]);
      }
    }
    return new RgbImage(width, height, out);
  }

  /** Fixed point back to 8 bits: the half was pre-added, so the shift rounds; out-of-range sums clamp. */
  private static byte clip8(int sum) {
    if (sum >= (1 << PRECISION_BITS << 8)) {
      return (byte) 255;
    }
    if (sum <= 0) {
      return 0;
    }
    return (byte) (sum >> PRECISION_BITS);
  }

  private static double bicubic(double x) {
    x = Math.abs(x);
    if (x < 1.0) {
      return ((A + 2.0) * x - (A + 3.0)) * x * x + 1;
    }
    if (x < 2.0) {
      return (((x - 5) * x + 8) * x - 4) * A;
    }
    return 0.0;
  }

  /**
   * Per output position: the first source index, how many source pixels contribute, and their
   * fixed-point weights ({@code stride} slots per position), computed as Pillow's
   * {@code precompute_coeffs} + {@code normalize_coeffs_8bpc} do, double arithmetic included.
   */
  private record Coefficients(int[] first, int[] count, int[] weights, int stride) {
    static Coefficients of(int inSize, int outSize) {
      double scale = (double) inSize / outSize;
      double filterScale = Math.max(scale, 1.0);
      double support = SUPPORT * filterScale;
      int stride = (int) Math.ceil(support) * 2 + 1;
      int[] first = new int[outSize];
      int[] count = new int[outSize];
      int[] weights = new int[outSize * stride];
      double[] k = new double[stride];
      double inverseScale = 1.0 / filterScale;
      for (int i = 0; i < outSize; i++) {
        double centre = (i + 0.5) * scale;
        // C casts truncate toward zero, as Java's do.
        int lo = Math.max((int) (centre - support + 0.5), 0);
        int hi = Math.min((int) (centre + support + 0.5), inSize);
        int n = hi - lo;
        double total = 0.0;
        for (int j = 0; j < n; j++) {
          k[j] = bicubic((j + lo - centre + 0.5) * inverseScale);
          total += k[j];
        }
        for (int j = 0; j < n; j++) {
          double w = total != 0.0 ? k[j] / total : k[j];
          weights[i * stride + j] = (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
        }
        first[i] = lo;
        count[i] = n;
      }
      return new Coefficients(first, count, weights, stride);
    }
  }
}
