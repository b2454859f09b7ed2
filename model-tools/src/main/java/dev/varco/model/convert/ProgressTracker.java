package dev.varco.model.convert;

/** Turns per-step completions of the conversion's stages into one overall percentage. */
final class ProgressTracker {
  private final ConversionListener listener;
  private final long totalSteps;
  private long doneSteps;

  ProgressTracker(ConversionListener listener, long totalSteps) {
    this.listener = listener;
    this.totalSteps = Math.max(1, totalSteps);
  }

  void step(String stage, String item) {
    doneSteps++;
    listener.onProgress(stage, item, Math.min(100.0, 100.0 * doneSteps / totalSteps));
  }
}
