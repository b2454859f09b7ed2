package dev.varco.vision.engine;

/** Told about every encoder batch the {@link TileBatcher} runs (metrics, tests). */
@FunctionalInterface
public interface BatchObserver {
  /**
   * @param tiles tiles in the batch, possibly from several images
   * @param images distinct images with tiles in it
   * @param nanos time the encoder took for it
   */
  void batchEncoded(int tiles, int images, long nanos);
}
