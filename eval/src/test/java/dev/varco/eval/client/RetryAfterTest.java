package dev.varco.eval.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
  private static final ZonedDateTime NOW = ZonedDateTime.of(2026, 12, 7, 18, 0, 0, 0, ZoneOffset.UTC);

  @Test
  void secondsAndHttpDates() {
    assertEquals(Optional.of(Duration.ofSeconds(3)), RetryAfter.parse("3", NOW));
    assertEquals(Optional.of(Duration.ofSeconds(90)), RetryAfter.parse("Mon, 07 Dec 2026 18:01:30 GMT", NOW));
    assertEquals(Optional.of(Duration.ZERO), RetryAfter.parse("Mon, 07 Dec 2026 17:59:00 GMT", NOW), "a past date: retry now");
    assertEquals(Optional.empty(), RetryAfter.parse("soon", NOW));
    assertEquals(Optional.empty(), RetryAfter.parse(null, NOW));
  }
}
