package dev.varco.eval.run;

import java.io.PrintStream;
import java.time.Duration;

/**
 * Progress on one line: items done of the total, running accuracy, rate and time left. On a
 * terminal the line is redrawn in place; in a log it is printed every ten seconds and at the end.
 */
final class Progress {
  private static final int BAR_WIDTH = 20;
  private static final long LOG_EVERY_NANOS = Duration.ofSeconds(10).toNanos();

  private final String label;
  private final long total;
  private final PrintStream out;
  private final boolean terminal;
  private final long started = System.nanoTime();
  private long done;
  private long skipped;
  private long scored;
  private double points;
  private long lastPrinted;

  Progress(String label, long total, PrintStream out, boolean terminal) {
    this.label = label;
    this.total = total;
    this.out = out;
    this.terminal = terminal;
  }

  /** An item finished in an earlier run. */
  synchronized void skipped() {
    skipped++;
  }

  /** An item finished now; points is 1/0 for a choice, or null when it does not score (an error). */
  synchronized void finished(Double itemPoints) {
    done++;
    if (itemPoints != null) {
      scored++;
      points += itemPoints;
    }
    long now = System.nanoTime();
    if (terminal || now - lastPrinted >= LOG_EVERY_NANOS || done + skipped == total) {
      lastPrinted = now;
      out.print((terminal ? "\r" : "") + line(now) + (terminal ? "" : "\n"));
      out.flush();
    }
  }

  synchronized void end() {
    if (terminal) {
      out.println();
    }
  }

  private String line(long now) {
    long finished = done + skipped;
    double seconds = (now - started) / 1e9;
    double rate = seconds > 0 ? done / seconds : 0;
    String eta = rate > 0 ? format(Duration.ofSeconds(Math.round((total - finished) / rate))) : "?";
    String accuracy = scored > 0 ? String.format("%.2f%%", 100 * points / scored) : "-";
    double fraction = total > 0 ? (double) finished / total : 1.0;
    int filled = (int) Math.round(fraction * BAR_WIDTH);
    String bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
    return String.format("[%s] [%s] %d/%d %5.1f%%  acc %s  %.2f items/s  ETA %s   ", label, bar, finished, total,
        100 * fraction, accuracy, rate, eta);
  }

  static String format(Duration d) {
    long s = d.getSeconds();
    return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60) : String.format("%dm%02ds", s / 60, s % 60);
  }
}
