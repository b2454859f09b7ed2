package dev.varco.vision.encoder;

import dev.varco.model.manifest.EncoderPrecision;

/**
 * How the encoder session is created and driven.
 *
 * @param executionProvider where the graph runs
 * @param intraOpThreads threads one graph run may use; 0 means one per available processor
 * @param batchSize tiles per graph run (1 is fastest on few CPU cores, see the field notes)
 * @param precision which of the model directory's encoder graphs to run
 * @param allowSpinning whether idle ONNX Runtime threads busy-wait for the next piece of work
 *     (lower latency on dedicated cores, wasted CPU when the cores are shared)
 */
public record EncoderOptions(
    ExecutionProvider executionProvider, int intraOpThreads, int batchSize, EncoderPrecision precision,
    boolean allowSpinning) {
  public EncoderOptions {
    if (intraOpThreads < 0) {
      throw new IllegalArgumentException("intra-op threads must be >= 0, got " + intraOpThreads);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("encoder batch size must be >= 1, got " + batchSize);
    }
    if (executionProvider == null || precision == null) {
      throw new IllegalArgumentException("execution provider and precision are required");
    }
  }

  /** Float32 encoder, idle threads not spinning. */
  public EncoderOptions(ExecutionProvider executionProvider, int intraOpThreads, int batchSize) {
    this(executionProvider, intraOpThreads, batchSize, EncoderPrecision.FP32, false);
  }

  /** The intra-op thread count the session gets: the configured one, or one per processor. */
  public int effectiveIntraOpThreads() {
    return intraOpThreads > 0 ? intraOpThreads : Runtime.getRuntime().availableProcessors();
  }
}
