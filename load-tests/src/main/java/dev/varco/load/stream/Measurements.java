package dev.varco.load.stream;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every stream of the current run, by label. Static because Gatling instantiates the simulations and
 * runs them in this JVM: they record here, {@code LoadRun} reads the result after Gatling returns.
 */
public final class Measurements {
  private static final Map<String, StreamStats> BY_LABEL = new ConcurrentHashMap<>();

  private Measurements() {}

  public static void reset() {
    BY_LABEL.clear();
  }

  public static void record(String label, StreamOutcome outcome, long startMillis, long endMillis) {
    BY_LABEL.computeIfAbsent(label, l -> new StreamStats()).add(outcome, startMillis, endMillis);
  }

  /** Each label's snapshot, sorted by label. */
  public static Map<String, StreamStats.Snapshot> snapshot() {
    Map<String, StreamStats.Snapshot> copy = new TreeMap<>();
    BY_LABEL.forEach((label, stats) -> copy.put(label, stats.snapshot()));
    return copy;
  }
}
