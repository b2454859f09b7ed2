package dev.varco.vision.encoder;

/**
 * How the encoder session is created and driven.
 *
 * @param executionProvider where the graph runs
 * @param intraOpThreads threads one graph run may use; 0 lets ONNX Runtime use one per core
 * @param batchSize tiles per graph run (1 is fastest on few CPU cores, see the field notes)
 */
public record EncoderOptions(ExecutionProvider executionProvider, int intraOpThreads, int batchSize) {
  public EncoderOptions {
    if (intraOpThreads < 0) {
      throw new IllegalArgumentException("intra-op threads must be >= 0, got " + intraOpThreads);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("encoder batch size must be >= 1, got " + batchSize);
    }
  }
}
