package dev.varco.load.grpc;

import dev.varco.load.LoadSettings;
import dev.varco.load.stream.Measurements;
import dev.varco.load.stream.StreamOutcome;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Starts users at the configured arrival rate (constant, or the overload ramp from rate/10 to
 * 10 x rate) whether or not earlier ones are done, as Gatling's open model does for HTTP. Bounded:
 * at most {@link LoadSettings#maxArrivals()} users and {@value #MAX_IN_FLIGHT} at once (an arrival
 * past that is counted as a client-side drop, so an overloaded stack cannot exhaust the load
 * generator), and the wait for the last users ends with the run's bound.
 */
final class OpenArrivals {
  static final int MAX_IN_FLIGHT = 512;

  private OpenArrivals() {}

  /**
   * @param user starts user {@code n}; it must call {@code release} (given as the permit) exactly once when done
   */
  static void run(LoadSettings settings, String dropLabel, User user) throws InterruptedException {
    Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    double seconds = settings.duration().toSeconds();
    long start = System.nanoTime();
    for (int n = 0; n < settings.maxArrivals(); n++) {
      double at = arrivalTime(settings, n);
      if (at >= seconds) {
        break;
      }
      long wait = start + (long) (at * 1e9) - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      if (!inFlight.tryAcquire()) {
        long now = System.currentTimeMillis();
        Measurements.record(dropLabel, new StreamOutcome(Optional.of("dropped by the load generator (" + MAX_IN_FLIGHT + " in flight)"),
            -1, new long[0], 0, 0), now, now);
        continue;
      }
      user.start(n, inFlight::release);
    }
    long boundSeconds = settings.streamTimeout().toSeconds() * 5 + 10;
    if (!inFlight.tryAcquire(MAX_IN_FLIGHT, boundSeconds, TimeUnit.SECONDS)) {
      throw new IllegalStateException("users still running " + boundSeconds + " s after the last arrival");
    }
  }

  /** When (seconds from the start) user n arrives. */
  static double arrivalTime(LoadSettings settings, int n) {
    double rate = settings.rate();
    if (settings.profile() != LoadSettings.Profile.RAMP) {
      return n / rate;
    }
    // Rate grows linearly from r0 to r1 over D: arrivals by time t are r0 t + (r1 - r0) t^2 / 2D.
    double r0 = rate / 10;
    double r1 = rate * 10;
    double d = settings.duration().toSeconds();
    double a = (r1 - r0) / (2 * d);
    return (-r0 + Math.sqrt(r0 * r0 + 4 * a * n)) / (2 * a);
  }

  /** One arriving user. */
  interface User {
    void start(int n, Runnable release);
  }
}
