package dev.varco.vision.image;

/**
 * Asked while an image decodes (once per progress step of the ImageIO reader, i.e. every few
 * rows) and between the preprocessing steps: whether the work must stop before it ends, because
 * its time budget is spent or nobody waits for the result any more. Stopping early is what keeps
 * a file that is cheap to send but slow to decode from holding a worker to the end.
 */
@FunctionalInterface
public interface DecodeCutoff {
  /** Never stops (tools, tests, benchmarks). */
  DecodeCutoff NEVER = () -> null;

  /** {@code null} to go on; otherwise the exception the decode ends with (it names the limit). */
  RuntimeException stopReason();

  /** Throws the stop reason, if there is one. */
  default void check() {
    RuntimeException reason = stopReason();
    if (reason != null) {
      throw reason;
    }
  }
}
