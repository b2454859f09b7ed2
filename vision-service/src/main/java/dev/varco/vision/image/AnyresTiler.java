package dev.varco.vision.image;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts an image into encoder tiles following an {@link AnyresPlan}, as
 * {@code LlavaOnevisionImageProcessor.get_image_patches} does: the whole image resized to one
 * tile (the base), then the image resized onto the plan's canvas, centred on black padding (the
 * odd pixel right/below), cut into tiles in row-major order. Pixels are rescaled and normalised
 * on the way out.
 */
public final class AnyresTiler {
  private final int tileSize;
  private final PixelNormalization normalization;

  public AnyresTiler(int tileSize, PixelNormalization normalization) {
    this.tileSize = tileSize;
    this.normalization = normalization;
  }

  /** Normalised encoder input: {@link #cut} followed by rescale + normalize. */
  public TileBatch tile(RgbImage image, AnyresPlan plan) {
    return tile(image, plan, DecodeCutoff.NEVER);
  }

  /** As {@link #tile(RgbImage, AnyresPlan)}, asking {@code cutoff} between the resizes. */
  public TileBatch tile(RgbImage image, AnyresPlan plan, DecodeCutoff cutoff) {
    List<RgbImage> tiles = cut(image, plan, cutoff);
    TileBatch batch = new TileBatch(new float[tiles.size() * 3 * tileSize * tileSize], tiles.size(), tileSize);
    float[][] tables = {normalization.lookupTable(0), normalization.lookupTable(1), normalization.lookupTable(2)};
    for (int i = 0; i < tiles.size(); i++) {
      writeChannelFirst(batch, i, tables, tiles.get(i));
    }
    return batch;
  }

  /** The 8-bit tiles before normalisation: base tile first, then the canvas tiles row by row. */
  public List<RgbImage> cut(RgbImage image, AnyresPlan plan) {
    return cut(image, plan, DecodeCutoff.NEVER);
  }

  private List<RgbImage> cut(RgbImage image, AnyresPlan plan, DecodeCutoff cutoff) {
    if (image.width() != plan.imageWidth() || image.height() != plan.imageHeight()) {
      throw new IllegalArgumentException(
          "plan is for " + plan.imageWidth() + "x" + plan.imageHeight() + ", image is " + image.width() + "x"
              + image.height());
    }
    List<RgbImage> tiles = new ArrayList<>(plan.encoderTileCount());
    tiles.add(BicubicResampler.resize(image, tileSize, tileSize));
    cutoff.check();
    RgbImage resized = BicubicResampler.resize(image, plan.resizedWidth(), plan.resizedHeight());
    for (int row = 0; row < plan.rows(); row++) {
      for (int column = 0; column < plan.columns(); column++) {
        // Where the resized image's origin lies in this tile's coordinates.
        int originX = plan.pasteLeft() - column * tileSize;
        int originY = plan.pasteTop() - row * tileSize;
        tiles.add(crop(resized, originX, originY));
      }
    }
    cutoff.check();
    return tiles;
  }

  /**
   * One tile of the padded canvas. Pixels not covered by {@code image} stay 0: the reference pads
   * the 8-bit canvas with black ({@code np.pad}, constant 0) before normalising.
   */
  private RgbImage crop(RgbImage image, int originX, int originY) {
    byte[] out = new byte[tileSize * tileSize * 3];
    int fromX = Math.max(0, originX);
    int toX = Math.min(tileSize, originX + image.width());
    if (toX <= fromX) {
      return new RgbImage(tileSize, tileSize, out);
    }
    for (int y = Math.max(0, originY); y < Math.min(tileSize, originY + image.height()); y++) {
      int sourceOffset = ((y - originY) * image.width() + (fromX - originX)) * 3;
      System.arraycopy(image.pixels(), sourceOffset, out, (y * tileSize + fromX) * 3, (toX - fromX) * 3);
    }
    return new RgbImage(tileSize, tileSize, out);
  }

  private void writeChannelFirst(TileBatch batch, int index, float[][] tables, RgbImage tile) {
    float[] out = batch.pixelValues();
    int plane = tileSize * tileSize;
    int tileStart = index * batch.floatsPerTile();
    byte[] pixels = tile.pixels();
    for (int i = 0; i < plane; i++) {
      int p = i * 3;
      out[tileStart + i] = tables[0][pixels[p] & 0xFF];
      out[tileStart + plane + i] = tables[1][pixels[p + 1] & 0xFF];
      out[tileStart + 2 * plane + i] = tables[2][pixels[p + 2] & 0xFF];
    }
  }
}
