package dev.varco.vision.image;

/**
 * Plans the LLaVA-OneVision anyres_max layout of an image from its size alone, reproducing the
 * reference (transformers' {@code select_best_resolution}, {@code get_patch_output_size},
 * {@code _pad_for_patching}, {@code unpad_image} and {@code pack_image_features}) including
 * its float rounding, so that token counts agree with the decoder's placeholder expansion.
 */
public final class AnyresPlanner {
  private final AnyresGeometry geometry;

  public AnyresPlanner(AnyresGeometry geometry) {
    this.geometry = geometry;
  }

  public AnyresGeometry geometry() {
    return geometry;
  }

  public AnyresPlan plan(int width, int height) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
    }
    GridPinpoint canvas = bestCanvas(width, height);

    // Aspect-preserving resize that touches the canvas on one side (ceil, capped by the canvas).
    double scaleWidth = (double) canvas.width() / width;
    double scaleHeight = (double) canvas.height() / height;
    int resizedWidth;
    int resizedHeight;
    if (scaleWidth < scaleHeight) {
      resizedWidth = canvas.width();
      resizedHeight = (int) Math.min(Math.ceil(height * scaleWidth), canvas.height());
    } else {
      resizedHeight = canvas.height();
      resizedWidth = (int) Math.min(Math.ceil(width * scaleHeight), canvas.width());
    }
    int pasteLeft = (canvas.width() - resizedWidth) / 2;
    int pasteTop = (canvas.height() - resizedHeight) / 2;

    int side = geometry.featureSide();
    int rows = canvas.height() / geometry.tileSize();
    int columns = canvas.width() / geometry.tileSize();
    int gridHeight = rows * side;
    int gridWidth = columns * side;

    // Unpad in feature space: drop the rows/columns that only saw canvas padding.
    int unpaddedTop = 0;
    int unpaddedLeft = 0;
    int unpaddedHeight = gridHeight;
    int unpaddedWidth = gridWidth;
    double originalAspect = (double) width / height;
    double gridAspect = (double) gridWidth / gridHeight;
    if (originalAspect > gridAspect) {
      int contentHeight = ReferenceArithmetic.truncatedRoundTo7Places(height * ((double) gridWidth / width));
      unpaddedTop = (gridHeight - contentHeight) / 2;
      unpaddedHeight = gridHeight - 2 * unpaddedTop;
    } else {
      int contentWidth = ReferenceArithmetic.truncatedRoundTo7Places(width * ((double) gridHeight / height));
      unpaddedLeft = (gridWidth - contentWidth) / 2;
      unpaddedWidth = gridWidth - 2 * unpaddedLeft;
    }

    // anyres_max_N: shrink grids holding more than N tiles' worth of features (by > 10%).
    int packedHeight = unpaddedHeight;
    int packedWidth = unpaddedWidth;
    double ratio =
        Math.sqrt((double) (unpaddedHeight * unpaddedWidth) / (geometry.maxTiles() * side * side));
    if (ratio > 1.1) {
      packedHeight = (int) ReferenceArithmetic.floorDivide(unpaddedHeight, ratio);
      packedWidth = (int) ReferenceArithmetic.floorDivide(unpaddedWidth, ratio);
    }
    return new AnyresPlan(
        width, height, canvas, resizedWidth, resizedHeight, pasteLeft, pasteTop, rows, columns,
        unpaddedTop, unpaddedLeft, unpaddedHeight, unpaddedWidth, packedHeight, packedWidth,
        side);
  }

  /** The canvas keeping the most image detail; among equals, the one wasting the least area. */
  private GridPinpoint bestCanvas(int width, int height) {
    GridPinpoint best = null;
    long bestEffective = 0;
    long leastWasted = Long.MAX_VALUE;
    for (GridPinpoint candidate : geometry.pinpoints()) {
      double scale = Math.min((double) candidate.width() / width, (double) candidate.height() / height);
      long downscaledWidth = (long) (width * scale);
      long downscaledHeight = (long) (height * scale);
      long effective = Math.min(downscaledWidth * downscaledHeight, (long) width * height);
      long wasted = (long) candidate.width() * candidate.height() - effective;
      if (effective > bestEffective || (effective == bestEffective && wasted < leastWasted)) {
        best = candidate;
        bestEffective = effective;
        leastWasted = wasted;
      }
    }
    return best;
  }
}
