package dev.varco.vision.image;

/**
 * Separable bicubic resize (Keys kernel, a = -0.5, widened when shrinking so that every source
 * pixel contributes, as PIL's {@code Image.resize(..., BICUBIC)} does). Arithmetic stays in
 * floating point between the two passes and rounds once at the end, so values can differ from
 * PIL's by a grey level; the geometry (sizes, sample centres) is the same.
 */
public final class BicubicResampler {
  private static final double SUPPORT = 2.0;
  private static final double A = -0.5;

  private BicubicResampler() {}

  public static RgbImage resize(RgbImage source, int width, int height) {
    if (width == source.width() && height == source.height()) {
      return source;
    }
    Taps horizontal = Taps.of(source.width(), width);
    Taps vertical = Taps.of(source.height(), height);

    // Pass 1: rows of the source -> width columns.
    float[] wide = new float[source.height() * width * 3];
    byte[] in = source.pixels();
    for (int y = 0; y < source.height(); y++) {
      int rowStart = y * source.width();
      for (int x = 0; x < width; x++) {
        float r = 0;
        float g = 0;
        float b = 0;
        int first = horizontal.first[x];
        for (int k = 0; k < horizontal.count[x]; k++) {
          float weight = horizontal.weights[x][k];
          int p = (rowStart + first + k) * 3;
          r += weight * (in[p] & 0xFF);
          g += weight * (in[p + 1] & 0xFF);
          b += weight * (in[p + 2] & 0xFF);
        }
        int o = (y * width + x) * 3;
        wide[o] = r;
        wide[o + 1] = g;
        wide[o + 2] = b;
      }
    }
    // Pass 2: columns -> height rows, rounded and clamped to 8 bits.
    byte[] out = new byte[width * height * 3];
    for (int y = 0; y < height; y++) {
      int first = vertical.first[y];
      for (int x = 0; x < width; x++) {
        for (int c = 0; c < 3; c++) {
          float sum = 0;
          for (int k = 0; k < vertical.count[y]; k++) {
            sum += vertical.weights[y][k] * wide[((first + k) * width + x) * 3 + c];
          }
          out[(y * width + x) * 3 + c] = (byte) Math.clamp(Math.round(sum), 0, 255);
        }
      }
    }
    return new RgbImage(width, height, out);
  }

  private static double kernel(double x) {
    x = Math.abs(x);
    if (x < 1) {
      return ((A + 2) * x - (A + 3)) * x * x + 1;
    }
    if (x < 2) {
      return (((x - 5) * x + 8) * x - 4) * A;
    }
    return 0;
  }

  /** For each output position: the first source index, how many follow, and their normalised weights. */
  private record Taps(int[] first, int[] count, float[][] weights) {
    static Taps of(int inSize, int outSize) {
      double scale = (double) inSize / outSize;
      double filterScale = Math.max(scale, 1.0);
      double support = SUPPORT * filterScale;
      int[] first = new int[outSize];
      int[] count = new int[outSize];
      float[][] weights = new float[outSize][];
      for (int i = 0; i < outSize; i++) {
        double centre = (i + 0.5) * scale;
        int lo = Math.max((int) (centre - support + 0.5), 0);
        int hi = Math.min((int) (centre + support + 0.5), inSize);
        double[] w = new double[hi - lo];
        double total = 0;
        for (int j = lo; j < hi; j++) {
          w[j - lo] = kernel((j - centre + 0.5) / filterScale);
          total += w[j - lo];
        }
        weights[i] = new float[w.length];
        for (int j = 0; j < w.length; j++) {
          weights[i][j] = (float) (total == 0 ? 0 : w[j] / total);
        }
        first[i] = lo;
        count[i] = hi - lo;
      }
      return new Taps(first, count, weights);
    }
  }
}
