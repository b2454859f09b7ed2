package dev.varco.gateway.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Token bucket and in-flight count per key, on a hand-driven clock. */
class KeyLimiterTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Test
  void theBurstIsServedThenTheRateApplies() {
    KeyLimiter limiter = new KeyLimiter(6, 2, 100, now::get); // one token every 10 s
    assertInstanceOf(KeyLimiter.Permit.class, limiter.tryAcquire("a"));
    assertInstanceOf(KeyLimiter.Permit.class, limiter.tryAcquire("a"));
    KeyLimiter.Refusal refusal = assertInstanceOf(KeyLimiter.Refusal.class, limiter.tryAcquire("a"));
    assertEquals(10, refusal.retryAfterSeconds());
    assertTrue(refusal.reason().contains("requests-per-minute"), refusal.reason());
    assertInstanceOf(KeyLimiter.Permit.class, limiter.tryAcquire("b"), "keys have their own buckets");
    now.addAndGet(TimeUnit.SECONDS.toNanos(4));
    assertEquals(6, assertInstanceOf(KeyLimiter.Refusal.class, limiter.tryAcquire("a")).retryAfterSeconds(),
        "a refused request takes no token");
    now.addAndGet(TimeUnit.SECONDS.toNanos(6));
    assertInstanceOf(KeyLimiter.Permit.class, limiter.tryAcquire("a"));
  }

  @Test
  void requestsInFlightAreBoundedAndReleasedOnce() {
    KeyLimiter limiter = new KeyLimiter(600, 100, 2, now::get);
    var first = assertInstanceOf(KeyLimiter.Permit.class, limiter.tryAcquire("a"));
    assertInstanceOf(KeyLimiter.Permit.class, limiter.tryAcquire("a"));
    KeyLimiter.Refusal refusal = assertInstanceOf(KeyLimiter.Refusal.class, limiter.tryAcquire("a"));
    assertTrue(refusal.reason().contains("max-concurrent-requests"), refusal.reason());
    assertEquals(1, refusal.retryAfterSeconds());
    first.release();
    first.release(); // a second release must not free a slot it does not hold
    assertInstanceOf(KeyLimiter.Permit.class, limiter.tryAcquire("a"));
    assertInstanceOf(KeyLimiter.Refusal.class, limiter.tryAcquire("a"));
  }

  @Test
  void theBackendsRunningSlotsCapTheConfiguredLimit() {
    KeyLimiter limiter = new KeyLimiter(600, 100, 8, now::get);
    assertTrue(limiter.capAtBackendSlots(2), "2 slots lower the configured 8");
    assertEquals(2, limiter.maxConcurrent());
    limiter.tryAcquire("a");
    limiter.tryAcquire("a");
    KeyLimiter.Refusal refusal = assertInstanceOf(KeyLimiter.Refusal.class, limiter.tryAcquire("a"));
    assertTrue(refusal.reason().contains("varco.llm.max-running-requests 2"), refusal.reason());
    assertTrue(!limiter.capAtBackendSlots(16) && limiter.maxConcurrent() == 8, "more slots than configured: as configured");
    assertTrue(!limiter.capAtBackendSlots(0) && limiter.maxConcurrent() == 8, "a backend that does not say: as configured");
  }
}
