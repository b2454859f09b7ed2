package dev.varco.vision.engine;

import dev.varco.vision.image.TileBatch;
import java.util.concurrent.CompletableFuture;

/**
 * One image's tiles inside the {@link TileBatcher}: how many have been taken into encoder batches
 * and how many have come back. {@link #features()} completes with
 * {@code [tiles, tokensPerTile, hiddenSize]} features in tile order once the last one is back, or
 * is cancelled when the image's request goes away first.
 */
public final class PendingTiles {
  final TileBatch tiles;
  /** Next tile to put into a batch; guarded by the batcher's lock. */
  int nextTile;
  /** Written by the encoder thread only. */
  float[] featureRows;
  int encodedTiles;
  private final CompletableFuture<float[]> features = new CompletableFuture<>();

  PendingTiles(TileBatch tiles) {
    this.tiles = tiles;
  }

  public CompletableFuture<float[]> features() {
    return features;
  }

  int tileCount() {
    return tiles.count();
  }

  int tilesNotStarted() {
    return tiles.count() - nextTile;
  }
}
