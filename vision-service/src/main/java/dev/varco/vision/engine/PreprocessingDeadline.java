package dev.varco.vision.engine;

import dev.varco.vision.image.DecodeCutoff;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;

/**
 * When one image's preprocessing must stop: once nobody waits for its result any more (every
 * caller cancelled), or once it has run longer than {@code varco.vision.max-decode-time} (zero:
 * never).
 */
final class PreprocessingDeadline implements DecodeCutoff {
  private final Future<?> result;
  private final long startedNanos;
  private final Duration limit;
  private final LongSupplier nanoClock;
  private final Runnable onTimeUp;

  PreprocessingDeadline(Future<?> result, Duration limit, LongSupplier nanoClock, Runnable onTimeUp) {
    this.result = result;
    this.limit = limit;
    this.nanoClock = nanoClock;
    this.onTimeUp = onTimeUp;
    this.startedNanos = nanoClock.getAsLong();
  }

  @Override
  public RuntimeException stopReason() {
    if (result.isDone()) {
      return new CancellationException("no caller waits for this image any more");
    }
    if (!limit.isZero() && nanoClock.getAsLong() - startedNanos > limit.toNanos()) {
      onTimeUp.run();
      return new EngineBusyException("decoding the image took longer than " + limit.toMillis()
          + " ms, the limit (varco.vision.max-decode-time); it was stopped");
    }
    return null;
  }
}
