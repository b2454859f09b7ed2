package dev.varco.gateway.access;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Per-key limits: a token bucket for the request rate ({@code burst} tokens, refilled at
 * {@code requestsPerMinute}) and a count of requests in flight. A refused request costs nothing
 * and says how long to wait.
 *
 * <p>The in-flight limit never exceeds what the backend runs at once ({@link #capAtBackendSlots}):
 * a key's requests beyond that would only wait in llm-service's queue, where they count against
 * every other caller's room.
 */
public final class KeyLimiter {
  /** What one request gets: a permit to release when it ends, or how long to wait. */
  public sealed interface Decision permits Permit, Refusal {}

  /** Released exactly once, however often {@link #release()} is called. */
  public static final class Permit implements Decision {
    private final KeyState state;
    private final AtomicBoolean released = new AtomicBoolean();

    private Permit(KeyState state) {
      this.state = state;
    }

    public void release() {
      if (released.compareAndSet(false, true)) {
        synchronized (state) {
          state.inFlight--;
        }
      }
    }
  }

  /** @param retryAfterSeconds whole seconds, at least 1 (HTTP Retry-After) */
  public record Refusal(String reason, long retryAfterSeconds) implements Decision {}

  private static final class KeyState {
    double tokens;
    long refilledAtNanos;
    int inFlight;
  }

  private final double tokensPerNano;
  private final int burst;
  private final int maxConcurrent;
  /** Requests llm-service runs at once, once known; the in-flight limit in effect is the smaller. */
  private volatile int backendSlots = Integer.MAX_VALUE;
  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<String, KeyState> keys = new ConcurrentHashMap<>();

  public KeyLimiter(int requestsPerMinute, int burst, int maxConcurrent, LongSupplier nanoClock) {
    if (requestsPerMinute < 1 || burst < 1 || maxConcurrent < 1) {
      throw new IllegalArgumentException("rate, burst and concurrency limits must be >= 1, got "
          + requestsPerMinute + ", " + burst + ", " + maxConcurrent);
    }
    this.tokensPerNano = requestsPerMinute / 60e9;
    this.burst = burst;
    this.maxConcurrent = maxConcurrent;
    this.nanoClock = nanoClock;
  }

  public static KeyLimiter of(AccessConfig config) {
    return new KeyLimiter(config.requestsPerMinute(), config.burst(), config.maxConcurrentRequests(), System::nanoTime);
  }

  /**
   * The backend runs {@code slots} requests at once ({@code varco.llm.max-running-requests}):
   * from now on no key has more in flight. Returns whether that lowers the configured limit.
   * Values below 1 (a backend that does not say) leave the limit as configured.
   */
  public boolean capAtBackendSlots(int slots) {
    backendSlots = slots < 1 ? Integer.MAX_VALUE : slots;
    return backendSlots < maxConcurrent;
  }

  /** The in-flight limit in effect for every key. */
  public int maxConcurrent() {
    return Math.min(maxConcurrent, backendSlots);
  }

  /** Requests of this key in flight now (0 for a key never seen). */
  public int inFlight(String keyName) {
    KeyState state = keys.get(keyName);
    if (state == null) {
      return 0;
    }
    synchronized (state) {
      return state.inFlight;
    }
  }

  public Decision tryAcquire(String keyName) {
    long now = nanoClock.getAsLong();
    KeyState state = keys.computeIfAbsent(keyName, k -> {
      KeyState fresh = new KeyState();
      fresh.tokens = burst;
      fresh.refilledAtNanos = now;
      return fresh;
    });
    synchronized (state) {
      state.tokens = Math.min(burst, state.tokens + (now - state.refilledAtNanos) * tokensPerNano);
      state.refilledAtNanos = now;
      int limit = maxConcurrent();
      if (state.inFlight >= limit) {
        return new Refusal("key '" + keyName + "' already has " + state.inFlight + " requests in flight, the limit of "
            + (limit < maxConcurrent ? "llm-service's running slots (varco.llm.max-running-requests " + limit
                + ", below varco.gateway.access.max-concurrent-requests " + maxConcurrent + ")"
                : "varco.gateway.access.max-concurrent-requests"), 1);
      }
      if (state.tokens < 1) {
        long wait = (long) Math.ceil((1 - state.tokens) / tokensPerNano / 1e9);
        return new Refusal("key '" + keyName + "' is over its rate of " + Math.round(tokensPerNano * 60e9)
            + " requests per minute (varco.gateway.access.requests-per-minute)", Math.max(1, wait));
      }
      state.tokens -= 1;
      state.inFlight++;
      return new Permit(state);
    }
  }
}
