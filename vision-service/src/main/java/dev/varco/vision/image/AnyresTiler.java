package dev.varco.vision.image;

/**
 * Cuts an image into encoder tiles following an {@link AnyresPlan}: the whole image resized to
 * one tile (the base), then the image resized onto the plan's canvas, centred on black padding,
 * cut into tiles in row-major order. Pixels are rescaled and normalised on the way out.
 */
public final class AnyresTiler {
  /** Canvas padding is black: the reference pads the 8-bit canvas with 0 before normalising. */
  private static final int PADDING_LEVEL = 0;

  private final int tileSize;
  private final PixelNormalization normalization;

  public AnyresTiler(int tileSize, PixelNormalization normalization) {
    this.tileSize = tileSize;
    this.normalization = normalization;
  }

  public TileBatch tile(RgbImage image, AnyresPlan plan) {
    if (image.width() != plan.imageWidth() || image.height() != plan.imageHeight()) {
      throw new IllegalArgumentException(
          "plan is for " + plan.imageWidth() + "x" + plan.imageHeight() + ", image is " + image.width() + "x"
              + image.height());
    }
    int count = plan.encoderTileCount();
    TileBatch batch = new TileBatch(new float[count * 3 * tileSize * tileSize], count, tileSize);
    float[][] tables = {normalization.lookupTable(0), normalization.lookupTable(1), normalization.lookupTable(2)};

    writeTile(batch, 0, tables, BicubicResampler.resize(image, tileSize, tileSize), 0, 0);

    RgbImage resized = BicubicResampler.resize(image, plan.resizedWidth(), plan.resizedHeight());
    for (int row = 0; row < plan.rows(); row++) {
      for (int column = 0; column < plan.columns(); column++) {
        // Where the resized image's origin lies in this tile's coordinates.
        int originX = plan.pasteLeft() - column * tileSize;
        int originY = plan.pasteTop() - row * tileSize;
        writeTile(batch, 1 + row * plan.columns() + column, tables, resized, originX, originY);
      }
    }
    return batch;
  }

  /** Writes tile {@code index} channel-first; pixels of the tile not covered by {@code image} are padding. */
  private void writeTile(TileBatch batch, int index, float[][] tables, RgbImage image, int originX, int originY) {
    float[] out = batch.pixelValues();
    int plane = tileSize * tileSize;
    int tileStart = index * batch.floatsPerTile();
    byte[] pixels = image.pixels();
    for (int y = 0; y < tileSize; y++) {
      int iy = y - originY;
      boolean rowOnImage = iy >= 0 && iy < image.height();
      for (int x = 0; x < tileSize; x++) {
        int ix = x - originX;
        boolean onImage = rowOnImage && ix >= 0 && ix < image.width();
        int p = (iy * image.width() + ix) * 3;
        int o = tileStart + y * tileSize + x;
        for (int c = 0; c < 3; c++) {
          int level = onImage ? pixels[p + c] & 0xFF : PADDING_LEVEL;
          out[o + c * plane] = tables[c][level];
        }
      }
    }
  }
}
