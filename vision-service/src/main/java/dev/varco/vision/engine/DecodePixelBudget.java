package dev.varco.vision.engine;

import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Decoded pixels per second across all requests: a token bucket holding up to {@code burstPixels},
 * refilled at {@code pixelsPerSecond}, charged at admission with the pixels the image's header
 * declares (the decoder never produces more: it refuses a file that decodes to another size).
 *
 * <p>An image is admitted when the bucket holds its pixels. Images of at most
 * {@code alwaysAdmitPixels} are admitted even when it does not (the bucket goes into debt, at most
 * one burst deep), so ordinary pictures are never refused because large ones spent the budget;
 * they only delay the large ones. A refused image gets {@link EngineBusyException}
 * (RESOURCE_EXHAUSTED) naming the limit, its key and when to retry. {@code pixelsPerSecond} 0
 * turns the budget off.
 */
final class DecodePixelBudget {
  private static final double NANOS_PER_SECOND = 1e9;

  private final long pixelsPerSecond;
  private final long burstPixels;
  private final long alwaysAdmitPixels;
  private final LongSupplier nanoClock;
  private double available;
  private long refilledAt;

  DecodePixelBudget(long pixelsPerSecond, long burstPixels, long alwaysAdmitPixels, LongSupplier nanoClock) {
    if (pixelsPerSecond < 0 || burstPixels < 0 || alwaysAdmitPixels < 0) {
      throw new IllegalArgumentException("varco.vision.decode-pixels-per-second (" + pixelsPerSecond
          + "), varco.vision.decode-pixels-burst (" + burstPixels + ") and varco.vision.decode-pixels-always-admitted ("
          + alwaysAdmitPixels + ") must not be negative");
    }
    this.pixelsPerSecond = pixelsPerSecond;
    this.burstPixels = burstPixels;
    this.alwaysAdmitPixels = alwaysAdmitPixels;
    this.nanoClock = nanoClock;
    this.available = burstPixels;
    this.refilledAt = nanoClock.getAsLong();
  }

  /** Whether a budget is set at all. */
  boolean enabled() {
    return pixelsPerSecond > 0;
  }

  /**
   * Charges {@code pixels} or refuses the image.
   *
   * @throws EngineBusyException when the bucket does not hold them and the image is larger than
   *     the always-admitted size
   */
  synchronized void charge(long pixels) {
    if (!enabled()) {
      return;
    }
    refill();
    if (available >= pixels) {
      available -= pixels;
      return;
    }
    if (pixels <= alwaysAdmitPixels) {
      available = Math.max(-burstPixels, available - pixels);
      return;
    }
    double retryAfterSeconds = (pixels - available) / pixelsPerSecond;
    throw new EngineBusyException(String.format(Locale.ROOT,
        "the decode budget is spent: this image decodes to %d pixels and the service decodes at most %d pixels per"
            + " second (varco.vision.decode-pixels-per-second), %d at once (varco.vision.decode-pixels-burst);"
            + " retry in %.1f s",
        pixels, pixelsPerSecond, burstPixels, Math.max(0.1, retryAfterSeconds)));
  }

  /** Gives back a charge whose image was not queued after all (the queue was full). */
  synchronized void refund(long pixels) {
    if (enabled()) {
      available = Math.min(burstPixels, available + pixels);
    }
  }

  /** Pixels the bucket holds now (negative: in debt to ordinary images). */
  synchronized double available() {
    refill();
    return available;
  }

  private void refill() {
    long now = nanoClock.getAsLong();
    available = Math.min(burstPixels, available + (now - refilledAt) / NANOS_PER_SECOND * pixelsPerSecond);
    refilledAt = now;
  }
}
