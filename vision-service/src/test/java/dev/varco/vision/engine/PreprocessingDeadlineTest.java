package dev.varco.vision.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PreprocessingDeadlineTest {
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final CompletableFuture<Object> result = new CompletableFuture<>();
  private final AtomicInteger timeUps = new AtomicInteger();

  @Test
  void goesOnUntilTheLimitThenStopsNamingIt() {
    PreprocessingDeadline deadline = new PreprocessingDeadline(result, Duration.ofSeconds(10), clock::get, timeUps::incrementAndGet);
    clock.addAndGet(Duration.ofSeconds(10).toNanos());
    assertNull(deadline.stopReason(), "exactly the limit is still within it");
    clock.addAndGet(1);
    RuntimeException reason = deadline.stopReason();
    assertInstanceOf(EngineBusyException.class, reason);
    assertEquals("decoding the image took longer than 10000 ms, the limit (varco.vision.max-decode-time); it was stopped",
        reason.getMessage());
    assertEquals(1, timeUps.get(), "counted");
  }

  @Test
  void stopsAsSoonAsNobodyWaitsAndZeroMeansNoTimeLimit() {
    PreprocessingDeadline deadline = new PreprocessingDeadline(result, Duration.ZERO, clock::get, timeUps::incrementAndGet);
    clock.addAndGet(Duration.ofDays(1).toNanos());
    assertNull(deadline.stopReason());
    result.cancel(false);
    assertInstanceOf(CancellationException.class, deadline.stopReason());
    assertEquals(0, timeUps.get());
  }
}
