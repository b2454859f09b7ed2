package dev.varco.vision.engine;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DecodePixelBudgetTest {
  private static final long SECOND = 1_000_000_000L;
  private final AtomicLong clock = new AtomicLong(7 * SECOND);
  /** 8 Mi pixels a second, 32 Mi at once, ordinary images up to 2304x2304 always admitted. */
  private final DecodePixelBudget budget = new DecodePixelBudget(8 << 20, 32 << 20, 2304 * 2304, clock::get);

  @Test
  void aFullBucketAdmitsTheLargestImageThenRefusesTheNextWithTheKeysAndARetryTime() {
    budget.charge(32 << 20);
    EngineBusyException refused = assertThrows(EngineBusyException.class, () -> budget.charge(30_000_000));
    assertEquals("the decode budget is spent: this image decodes to 30000000 pixels and the service decodes at most"
        + " 8388608 pixels per second (varco.vision.decode-pixels-per-second), 33554432 at once"
        + " (varco.vision.decode-pixels-burst); retry in 3.6 s", refused.getMessage());
  }

  @Test
  void theBucketRefillsAtTheRateUpToTheBurst() {
    budget.charge(32 << 20);
    clock.addAndGet(2 * SECOND);
    assertEquals(16 << 20, budget.available(), 1);
    assertThrows(EngineBusyException.class, () -> budget.charge((16 << 20) + 1));
    budget.charge(16 << 20);
    clock.addAndGet(3600 * SECOND);
    assertEquals(32 << 20, budget.available(), 1, "never more than one burst");
  }

  @Test
  void ordinaryImagesAreAdmittedIntoDebtAndDelayLargeOnes() {
    budget.charge(32 << 20);
    for (int i = 0; i < 3; i++) {
      assertDoesNotThrow(() -> budget.charge(2304 * 2304));
    }
    assertEquals(-3.0 * 2304 * 2304, budget.available(), 1);
    clock.addAndGet(2 * SECOND); // 16 Mi back: still in debt for a 6 MP image
    assertThrows(EngineBusyException.class, () -> budget.charge(6_000_000));
    for (int i = 0; i < 100; i++) {
      budget.charge(2304 * 2304);
    }
    assertTrue(budget.available() >= -(32 << 20), "debt is at most one burst deep: " + budget.available());
  }

  @Test
  void aRefundGivesBackAChargeAndZeroTurnsTheBudgetOff() {
    budget.charge(32 << 20);
    budget.refund(32 << 20);
    assertDoesNotThrow(() -> budget.charge(32 << 20));
    DecodePixelBudget off = new DecodePixelBudget(0, 0, 0, clock::get);
    for (int i = 0; i < 10; i++) {
      off.charge(32 << 20);
    }
    assertEquals(false, off.enabled());
  }
}
