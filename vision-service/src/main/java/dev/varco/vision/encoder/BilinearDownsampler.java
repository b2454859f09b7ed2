package dev.varco.vision.encoder;

/**
 * Shrinks a feature grid as {@code torch.nn.functional.interpolate(mode="bilinear",
 * align_corners=False)} does when given an output size: source coordinate
 * {@code (dst + 0.5) * in / out - 0.5} clamped at 0, the two neighbours weighted by distance,
 * index arithmetic in float32 like torch's CPU kernel for float tensors.
 */
public final class BilinearDownsampler {
  private BilinearDownsampler() {}

  /**
   * @param grid token-major features {@code [inHeight][inWidth][channels]}
   * @return token-major features {@code [outHeight][outWidth][channels]}
   */
  public static float[] resize(float[] grid, int inHeight, int inWidth, int channels, int outHeight, int outWidth) {
    if (grid.length != inHeight * inWidth * channels || outHeight <= 0 || outWidth <= 0) {
      throw new IllegalArgumentException(
          "cannot resize a " + inHeight + "x" + inWidth + "x" + channels + " grid of " + grid.length + " values to "
              + outHeight + "x" + outWidth);
    }
    Neighbours rows = Neighbours.of(inHeight, outHeight);
    Neighbours columns = Neighbours.of(inWidth, outWidth);
    float[] out = new float[outHeight * outWidth * channels];
    for (int y = 0; y < outHeight; y++) {
      int top = rows.low[y] * inWidth;
      int bottom = rows.high[y] * inWidth;
      float wTop = rows.lowWeight[y];
      float wBottom = rows.highWeight[y];
      for (int x = 0; x < outWidth; x++) {
        int left = columns.low[x];
        int right = columns.high[x];
        float wLeft = columns.lowWeight[x];
        float wRight = columns.highWeight[x];
        int topLeft = (top + left) * channels;
        int topRight = (top + right) * channels;
        int bottomLeft = (bottom + left) * channels;
        int bottomRight = (bottom + right) * channels;
        int o = (y * outWidth + x) * channels;
        for (int c = 0; c < channels; c++) {
          out[o + c] =
              wTop * (wLeft * grid[topLeft + c] + wRight * grid[topRight + c])
                  + wBottom * (wLeft * grid[bottomLeft + c] + wRight * grid[bottomRight + c]);
        }
      }
    }
    return out;
  }

  /** Per output index along one axis: the two source indices and their weights. */
  private record Neighbours(int[] low, int[] high, float[] lowWeight, float[] highWeight) {
    static Neighbours of(int inSize, int outSize) {
      float scale = (float) inSize / outSize;
      int[] low = new int[outSize];
      int[] high = new int[outSize];
      float[] lowWeight = new float[outSize];
      float[] highWeight = new float[outSize];
      for (int i = 0; i < outSize; i++) {
        float source = scale * (i + 0.5f) - 0.5f;
        if (source < 0) {
          source = 0;
        }
        int index = (int) source;
        low[i] = index;
        high[i] = index + (index < inSize - 1 ? 1 : 0);
        highWeight[i] = source - index;
        lowWeight[i] = 1 - highWeight[i];
      }
      return new Neighbours(low, high, lowWeight, highWeight);
    }
  }
}
