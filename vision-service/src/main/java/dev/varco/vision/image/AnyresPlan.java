package dev.varco.vision.image;

/**
 * Everything the anyres layout decides for one image size, before any pixel is touched: how the
 * image is placed on the chosen canvas, how the canvas is cut into tiles, which part of the
 * tiles' feature grid survives unpadding, and the packed grid size after the anyres_max
 * downsample. Feature coordinates count encoder output positions, not pixels.
 *
 * @param imageWidth original width in pixels
 * @param imageHeight original height in pixels
 * @param canvas the chosen grid pinpoint
 * @param resizedWidth width of the aspect-preserving resize placed on the canvas
 * @param resizedHeight height of that resize
 * @param pasteLeft left padding on the canvas (the extra odd pixel goes right)
 * @param pasteTop top padding on the canvas (the extra odd pixel goes below)
 * @param rows tile rows of the canvas
 * @param columns tile columns of the canvas
 * @param unpaddedTop first feature row kept after unpadding
 * @param unpaddedLeft first feature column kept after unpadding
 * @param unpaddedHeight feature rows kept after unpadding
 * @param unpaddedWidth feature columns kept after unpadding
 * @param packedHeight feature rows after the downsample (= unpaddedHeight when none)
 * @param packedWidth feature columns after the downsample
 * @param featureSide side of the feature grid one tile yields (27 for 384 / 14)
 */
public record AnyresPlan(
    int imageWidth,
    int imageHeight,
    GridPinpoint canvas,
    int resizedWidth,
    int resizedHeight,
    int pasteLeft,
    int pasteTop,
    int rows,
    int columns,
    int unpaddedTop,
    int unpaddedLeft,
    int unpaddedHeight,
    int unpaddedWidth,
    int packedHeight,
    int packedWidth,
    int featureSide) {

  /** Rows the base tile contributes (every tile yields featureSide^2 features). */
  public int tokensPerTile() {
    return featureSide * featureSide;
  }

  /** Tiles cut from the canvas, the base tile not counted. */
  public int gridTileCount() {
    return rows * columns;
  }

  /** Encoder inputs: the base tile first, then the grid tiles in row-major order. */
  public int encoderTileCount() {
    return 1 + gridTileCount();
  }

  public boolean downsampled() {
    return packedHeight != unpaddedHeight || packedWidth != unpaddedWidth;
  }

  /** Embedding rows: base tile, then each packed row followed by one image_newline. */
  public int tokenCount() {
    return tokensPerTile() + packedHeight * (packedWidth + 1);
  }
}
