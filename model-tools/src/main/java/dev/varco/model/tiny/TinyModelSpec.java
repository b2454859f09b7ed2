package dev.varco.model.tiny;

import java.util.ArrayList;
import java.util.List;

/**
 * Geometry of the tiny checkpoint: the image geometry, layout rules and vocabulary of
 * VARCO-VISION-14B-HF (SigLIP 384/14, anyres_max_9, vocab 152064, features of layer -2) with
 * tiny widths and depths, so every code path of the real model runs in milliseconds.
 */
public record TinyModelSpec(
    int imageSize,
    int patchSize,
    int visionHiddenSize,
    int visionLayers,
    int visionHeads,
    int visionIntermediateSize,
    int textHiddenSize,
    int textLayers,
    int textHeads,
    int textKeyValueHeads,
    int textIntermediateSize,
    int vocabSize,
    int maxPositionEmbeddings,
    double ropeTheta,
    int visionFeatureLayer,
    int maxGridTiles) {

  public static final TinyModelSpec DEFAULT =
      new TinyModelSpec(384, 14, 32, 3, 2, 64, 64, 2, 4, 2, 128, 152064, 32768, 1_000_000.0, -2, 6);

  /** Every [i * image_size, j * image_size] for i, j in 1..maxGridTiles, as [height, width]. */
  public List<List<Integer>> imageGridPinpoints() {
    List<List<Integer>> pinpoints = new ArrayList<>();
    for (int i = 1; i <= maxGridTiles; i++) {
      for (int j = 1; j <= maxGridTiles; j++) {
        pinpoints.add(List.of(i * imageSize, j * imageSize));
      }
    }
    return pinpoints;
  }

  public int patchesPerTile() {
    int side = imageSize / patchSize;
    return side * side;
  }
}
