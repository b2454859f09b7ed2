package dev.varco.llm.engine;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The engine's periodic state line, as vLLM logs it: prompt and generation throughput over the
 * last interval, running and waiting requests, KV use and the prefix cache hit rate. An idle engine
 * logs one line saying so and stays quiet until work arrives, so an idle service's log does not grow.
 */
final class EngineStatsLog implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(EngineStatsLog.class);

  private final EngineMetrics metrics;
  private ScheduledExecutorService timer;
  private long lastNanos;
  private double lastPrompt;
  private double lastGenerated;
  private double lastQueries;
  private double lastHits;
  private boolean idleLogged;

  /** Lines over {@code metrics} from {@code startNanos} on, made by {@link #nextLine}; {@link #start} also logs them. */
  EngineStatsLog(EngineMetrics metrics, long startNanos) {
    this.metrics = metrics;
    this.lastNanos = startNanos;
  }

  /** Starts logging every {@code interval}; null when the interval is zero (logging off). */
  static EngineStatsLog start(EngineMetrics metrics, Duration interval) {
    if (interval.isNegative()) {
      throw new IllegalArgumentException("varco.llm.stats-log-interval must not be negative: " + interval);
    }
    if (interval.isZero()) {
      return null;
    }
    EngineStatsLog log = new EngineStatsLog(metrics, System.nanoTime());
    log.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("llm-stats-log").daemon(true).unstarted(r));
    long millis = interval.toMillis();
    log.timer.scheduleAtFixedRate(log::logSafely, millis, millis, TimeUnit.MILLISECONDS);
    return log;
  }

  private void logSafely() {
    try {
      String line = nextLine(System.nanoTime());
      if (line != null) {
        LOG.info(line);
      }
    } catch (RuntimeException e) {
      // A failed line must not cancel the schedule.
      LOG.debugf(e, "engine state line failed");
    }
  }

  /**
   * The state since the previous line (rates over the time between the two), or null when the
   * engine was idle then and is idle still.
   */
  String nextLine(long now) {
    double seconds = Math.max(1e-9, (now - lastNanos) / 1e9);
    double prompt = metrics.promptTokens();
    double generated = metrics.generationTokens();
    double queries = metrics.prefixQueries();
    double hits = metrics.prefixHits();
    int running = metrics.running.get();
    int waiting = metrics.waiting.get();
    boolean idle = prompt == lastPrompt && generated == lastGenerated && running == 0 && waiting == 0;
    String line = null;
    if (!(idle && idleLogged)) {
      double kv = metrics.kvUsage();
      double hitRate = queries > lastQueries ? (hits - lastHits) / (queries - lastQueries) : 0;
      line = String.format(Locale.ROOT, "Avg prompt throughput: %.1f tokens/s, Avg generation throughput: %.1f tokens/s, Running: %d reqs, "
              + "Waiting: %d reqs, KV cache usage: %s, Prefix cache hit rate: %.1f%%",
          (prompt - lastPrompt) / seconds, (generated - lastGenerated) / seconds, running, waiting,
          Double.isNaN(kv) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * kv), 100 * hitRate);
    }
    idleLogged = idle;
    lastNanos = now;
    lastPrompt = prompt;
    lastGenerated = generated;
    lastQueries = queries;
    lastHits = hits;
    return line;
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
