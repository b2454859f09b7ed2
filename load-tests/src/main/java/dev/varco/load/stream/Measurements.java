package dev.varco.load.stream;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every stream of the current run, by label. Static because Gatling instantiates the simulations and
 * runs them in this JVM: they record here, {@code LoadRun} reads the result after Gatling returns.
 */
public final class Measurements {
  /** Streams kept one by one for the chart; past this many a run keeps only the aggregates. */
  static final int MAX_KEPT = 200_000;

  private static final Map<String, StreamStats> BY_LABEL = new ConcurrentHashMap<>();
  private static final List<StreamRecord> STREAMS = Collections.synchronizedList(new ArrayList<>());

  private Measurements() {}

  public static void reset() {
    BY_LABEL.clear();
    STREAMS.clear();
  }

  public static void record(String label, StreamOutcome outcome, long startMillis, long endMillis) {
    BY_LABEL.computeIfAbsent(label, l -> new StreamStats()).add(outcome, startMillis, endMillis);
    if (STREAMS.size() < MAX_KEPT) {
      STREAMS.add(new StreamRecord(startMillis, endMillis, outcome.ok(), outcome.ttftMillis(), outcome.outputTokens()));
    }
  }

  /** The streams of the run one by one (at most {@value #MAX_KEPT}), in no particular order. */
  public static List<StreamRecord> streams() {
    synchronized (STREAMS) {
      return List.copyOf(STREAMS);
    }
  }

  /** One stream: when it started and ended, whether it completed, its TTFT (-1: none) and tokens. */
  public record StreamRecord(long startMillis, long endMillis, boolean ok, long ttftMillis, long outputTokens) {}

  /** Each label's snapshot, sorted by label. */
  public static Map<String, StreamStats.Snapshot> snapshot() {
    Map<String, StreamStats.Snapshot> copy = new TreeMap<>();
    BY_LABEL.forEach((label, stats) -> copy.put(label, stats.snapshot()));
    return copy;
  }
}
