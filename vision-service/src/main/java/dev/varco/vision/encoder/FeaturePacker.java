package dev.varco.vision.encoder;

import dev.varco.vision.image.AnyresPlan;

/**
 * Arranges per-tile encoder output into the embedding sequence the decoder expects, as the
 * reference {@code pack_image_features}: base tile features first; then the grid tiles' features
 * stitched into one {@code (rows * side) x (columns * side)} grid, cropped to the plan's unpadded
 * region, bilinearly downsampled when the plan says so, and emitted row by row with the
 * {@code image_newline} vector after each row.
 */
public final class FeaturePacker {
  private final float[] imageNewline;

  public FeaturePacker(float[] imageNewline) {
    this.imageNewline = imageNewline.clone();
  }

  public int hiddenSize() {
    return imageNewline.length;
  }

  /**
   * @param tileFeatures {@code [plan.encoderTileCount(), side * side, hidden]} flattened, base tile first
   * @return {@code [plan.tokenCount(), hidden]} flattened, token-major
   */
  public float[] pack(float[] tileFeatures, AnyresPlan plan) {
    int hidden = imageNewline.length;
    int side = plan.featureSide();
    int tileFloats = plan.tokensPerTile() * hidden;
    if (tileFeatures.length != plan.encoderTileCount() * tileFloats) {
      throw new IllegalArgumentException(
          "expected features of " + plan.encoderTileCount() + " tiles x " + plan.tokensPerTile() + " x " + hidden
              + ", got " + tileFeatures.length + " values");
    }
    float[] grid = unpaddedGrid(tileFeatures, plan, hidden);
    if (plan.downsampled()) {
      grid = BilinearDownsampler.resize(
          grid, plan.unpaddedHeight(), plan.unpaddedWidth(), hidden, plan.packedHeight(), plan.packedWidth());
    }

    float[] packed = new float[plan.tokenCount() * hidden];
    System.arraycopy(tileFeatures, 0, packed, 0, tileFloats);
    int rowFloats = plan.packedWidth() * hidden;
    int at = tileFloats;
    for (int y = 0; y < plan.packedHeight(); y++) {
      System.arraycopy(grid, y * rowFloats, packed, at, rowFloats);
      at += rowFloats;
      System.arraycopy(imageNewline, 0, packed, at, hidden);
      at += hidden;
    }
    return packed;
  }

  /** The grid tiles' features as one token-major grid, keeping only the plan's unpadded region. */
  private static float[] unpaddedGrid(float[] tileFeatures, AnyresPlan plan, int hidden) {
    int side = plan.featureSide();
    int height = plan.unpaddedHeight();
    int width = plan.unpaddedWidth();
    float[] grid = new float[height * width * hidden];
    for (int y = 0; y < height; y++) {
      int featureRow = plan.unpaddedTop() + y;
      int tileRow = featureRow / side;
      int rowInTile = featureRow % side;
      for (int x = 0; x < width; x++) {
        int featureColumn = plan.unpaddedLeft() + x;
        int tile = 1 + tileRow * plan.columns() + featureColumn / side; // 1: after the base tile
        int token = rowInTile * side + featureColumn % side;
        System.arraycopy(
            tileFeatures, (tile * plan.tokensPerTile() + token) * hidden, grid, (y * width + x) * hidden, hidden);
      }
    }
    return grid;
  }
}
