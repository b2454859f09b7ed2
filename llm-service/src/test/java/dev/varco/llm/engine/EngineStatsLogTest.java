package dev.varco.llm.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The engine's periodic state line: vLLM's fields, rates over the interval, quiet while idle. */
class EngineStatsLogTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void ratesCoverTheIntervalAndAnIdleEngineLogsOnceThenNothing() {
    EngineMetrics metrics = new EngineMetrics(new SimpleMeterRegistry(), "tiny");
    EngineStatsLog log = new EngineStatsLog(metrics, 0);
    assertEquals("Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 0.0 tokens/s, Running: 0 reqs, Waiting: 0 reqs, "
        + "KV cache usage: -, Prefix cache hit rate: 0.0%", log.nextLine(SECOND));
    assertNull(log.nextLine(2 * SECOND), "still idle: no second line");

    metrics.prompt(100, 40);
    for (int i = 0; i < 20; i++) {
      metrics.generated();
    }
    metrics.running.set(1);
    assertEquals("Avg prompt throughput: 50.0 tokens/s, Avg generation throughput: 10.0 tokens/s, Running: 1 reqs, Waiting: 0 reqs, "
        + "KV cache usage: -, Prefix cache hit rate: 40.0%", log.nextLine(4 * SECOND));

    metrics.running.set(0);
    assertEquals("Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 0.0 tokens/s, Running: 0 reqs, Waiting: 0 reqs, "
        + "KV cache usage: -, Prefix cache hit rate: 0.0%", log.nextLine(5 * SECOND), "the work ended: one line says so");
    assertNull(log.nextLine(6 * SECOND));

    metrics.waiting.set(2);
    assertEquals("Avg prompt throughput: 0.0 tokens/s, Avg generation throughput: 0.0 tokens/s, Running: 0 reqs, Waiting: 2 reqs, "
        + "KV cache usage: -, Prefix cache hit rate: 0.0%", log.nextLine(7 * SECOND), "queued requests are not idle");
  }

  @Test
  void zeroTurnsItOffAndANegativeIntervalIsRefused() {
    EngineMetrics metrics = new EngineMetrics(new SimpleMeterRegistry(), "tiny");
    assertNull(EngineStatsLog.start(metrics, java.time.Duration.ZERO));
    var refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> EngineStatsLog.start(metrics, java.time.Duration.ofSeconds(-1)));
    assertEquals("varco.llm.stats-log-interval must not be negative: PT-1S", refused.getMessage());
  }
}
