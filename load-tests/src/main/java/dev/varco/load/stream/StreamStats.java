package dev.varco.load.stream;

import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.DoubleHistogram;
import org.HdrHistogram.Histogram;

/** The streams of one label (e.g. {@code chat/image}): latency histograms, token counts, errors by cause. */
public final class StreamStats {
  private final Histogram ttft = new Histogram(3);
  private final Histogram interToken = new Histogram(3);
  private final Histogram endToEnd = new Histogram(3);
  private final DoubleHistogram tokensPerSecond = new DoubleHistogram(3);
  private final Map<String, Long> errors = new TreeMap<>();
  private long streams;
  private long completed;
  private long outputTokens;
  private long firstStart = Long.MAX_VALUE;
  private long lastEnd = Long.MIN_VALUE;

  synchronized void add(StreamOutcome outcome, long startMillis, long endMillis) {
    streams++;
    firstStart = Math.min(firstStart, startMillis);
    lastEnd = Math.max(lastEnd, endMillis);
    outputTokens += outcome.outputTokens();
    outcome.errorCause().ifPresent(cause -> errors.merge(cause, 1L, Long::sum));
    if (!outcome.ok()) {
      return;
    }
    completed++;
    endToEnd.recordValue(outcome.e2eMillis());
    if (outcome.ttftMillis() >= 0) {
      ttft.recordValue(outcome.ttftMillis());
    }
    for (long gap : outcome.interTokenMillis()) {
      interToken.recordValue(gap);
    }
    long decodeMillis = outcome.e2eMillis() - Math.max(0, outcome.ttftMillis());
    if (outcome.outputTokens() > 1 && decodeMillis > 0) {
      // vLLM's per-stream output rate: the tokens after the first over the time after the first.
      tokensPerSecond.recordValue((outcome.outputTokens() - 1) * 1000.0 / decodeMillis);
    }
  }

  /** A consistent copy for the report. */
  public synchronized Snapshot snapshot() {
    return new Snapshot(streams, completed, outputTokens, ttft.copy(), interToken.copy(), endToEnd.copy(), tokensPerSecond.copy(),
        new TreeMap<>(errors), firstStart, lastEnd);
  }

  /** The numbers of one label at one moment. */
  public record Snapshot(long streams, long completed, long outputTokens, Histogram ttft, Histogram interToken, Histogram endToEnd,
      DoubleHistogram tokensPerSecond, Map<String, Long> errors, long firstStartMillis, long lastEndMillis) {
    public long failed() {
      return streams - completed;
    }

    /** Seconds between the first request and the last stream's end (0 when nothing ran). */
    public double wallSeconds() {
      return streams == 0 ? 0 : Math.max(1, lastEndMillis - firstStartMillis) / 1000.0;
    }
  }
}
