package dev.varco.load.report;

import dev.varco.load.LoadSettings;
import dev.varco.load.stream.StreamStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.HdrHistogram.Histogram;

/** The markdown summary of a run: a table per scenario, errors by cause, the stack before and after. */
public final class RunSummary {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private RunSummary() {}

  /** Writes {@code summary-<time>.md} and {@code summary-latest.md} under the report directory; returns the first. */
  public static Path write(LoadSettings settings, List<ScenarioRun> runs) throws IOException {
    String text = render(settings, runs);
    Files.createDirectories(settings.reportDir());
    String stamp = runs.isEmpty() ? "empty" : stamp(runs.get(0).before());
    Path file = settings.reportDir().resolve("summary-" + stamp + ".md");
    Files.writeString(file, text);
    Files.writeString(settings.reportDir().resolve("summary-latest.md"), text);
    return file;
  }

  /** The UTC time of a snapshot as report file names carry it. */
  public static String stamp(StackSnapshot snapshot) {
    return STAMP.format(snapshot.at());
  }

  public static String render(LoadSettings settings, List<ScenarioRun> runs) {
    StringBuilder md = new StringBuilder("# Load run\n\n");
    md.append(String.format(Locale.ROOT, "Target `%s`, profile %s, %.2f arrivals/s for %d s, max %d output tokens per turn, "
            + "stream timeout %d s.%n%n", settings.baseUrl(), settings.profile().name().toLowerCase(Locale.ROOT), settings.rate(),
        settings.duration().toSeconds(), settings.maxTokens(), settings.streamTimeout().toSeconds()));
    md.append("Latencies are what the load generator saw, in ms; `tok/s/stream` is (output tokens - 1) / (e2e - TTFT). "
        + "Numbers from a shared or busy machine are not capacity: see the load average below each scenario.\n");
    for (ScenarioRun run : runs) {
      scenario(md, run);
    }
    return md.toString();
  }

  private static void scenario(StringBuilder md, ScenarioRun run) {
    md.append("\n## ").append(run.scenario()).append("\n\n");
    run.gatlingReport().ifPresent(r -> md.append("Gatling report: `").append(r).append("/index.html`\n\n"));
    run.chart().ifPresent(c -> md.append("![latency and throughput vs offered load](").append(c.getFileName()).append(")\n\n"));
    if (run.gatlingStatus() != 0) {
      md.append("**Gatling ended with status ").append(run.gatlingStatus()).append("** (see its output).\n\n");
    }
    md.append("| label | streams | ok | failed | TTFT p50/p95/p99 | inter-token p50/p95/p99 | e2e p50/p95/p99 "
        + "| tok/s/stream p50 | output tokens | streams/s | tokens/s |\n");
    md.append("| --- | ---: | ---: | ---: | --- | --- | --- | ---: | ---: | ---: | ---: |\n");
    for (Map.Entry<String, StreamStats.Snapshot> entry : run.streams().entrySet()) {
      StreamStats.Snapshot s = entry.getValue();
      double wall = s.wallSeconds();
      md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %s | %s | %s | %.1f | %d | %.2f | %.1f |%n", entry.getKey(), s.streams(),
          s.completed(), s.failed(), percentiles(s.ttft()), percentiles(s.interToken()), percentiles(s.endToEnd()),
          s.tokensPerSecond().getTotalCount() == 0 ? 0.0 : s.tokensPerSecond().getValueAtPercentile(50),
          s.outputTokens(), wall == 0 ? 0.0 : s.completed() / wall, wall == 0 ? 0.0 : s.outputTokens() / wall));
    }
    Map<String, Long> errors = errors(run);
    md.append("\nErrors by cause: ");
    if (errors.isEmpty()) {
      md.append("none.\n");
    } else {
      md.append("\n\n| cause | count |\n| --- | ---: |\n");
      errors.forEach((cause, count) -> md.append("| ").append(cause).append(" | ").append(count).append(" |\n"));
    }
    run.recovery().ifPresent(r -> md.append(String.format(Locale.ROOT, "%nRecovery after the run: %s (probe: 1-token chat completion, "
        + "%d ms at rest; last probe %d ms).%n", r.recoverySeconds().map(sec -> String.format(Locale.ROOT, "normal answers again %.1f s after the last arrival", sec))
            .orElse("**not recovered within the stream timeout**"), r.baselineMillis(), r.lastProbeMillis())));
    stack(md, run);
  }

  /** Every label's errors together, by cause. */
  public static Map<String, Long> errors(ScenarioRun run) {
    Map<String, Long> all = new java.util.TreeMap<>();
    run.streams().values().forEach(s -> s.errors().forEach((cause, n) -> all.merge(cause, n, Long::sum)));
    return all;
  }

  private static void stack(StringBuilder md, ScenarioRun run) {
    StackSnapshot before = run.before();
    StackSnapshot after = run.after();
    md.append(String.format(Locale.ROOT, "%nMachine load average (1/5/15 min): %s before, %s after.%n", before.loadAverage(), after.loadAverage()));
    if (!before.rssMiB().isEmpty() || !after.rssMiB().isEmpty()) {
      md.append("\n| service | RSS before (MiB) | peak during (MiB) | RSS after (MiB) | growth (MiB) |\n| --- | ---: | ---: | ---: | ---: |\n");
      for (String service : StackSnapshot.SERVICES) {
        Long b = before.rssMiB().get(service);
        Long a = after.rssMiB().get(service);
        if (b != null || a != null) {
          md.append("| ").append(service).append(" | ").append(b == null ? "-" : b).append(" | ")
              .append(StackSampler.peak(run.samples(), service).map(String::valueOf).orElse("-")).append(" | ").append(a == null ? "-" : a)
              .append(" | ").append(a == null || b == null ? "-" : Long.toString(a - b)).append(" |\n");
        }
      }
    }
    List<String> gauges = StackSampler.gauges(run.samples());
    if (!gauges.isEmpty()) {
      md.append("\n| queue gauge | peak during the run |\n| --- | ---: |\n");
      for (String gauge : gauges) {
        md.append("| `").append(gauge).append("` | ").append(number(StackSampler.peakGauge(run.samples(), gauge).orElse(null))).append(" |\n");
      }
    }
    Set<String> series = new TreeSet<>(before.metrics().keySet());
    series.addAll(after.metrics().keySet());
    if (!series.isEmpty()) {
      md.append("\n| stack metric | before | after |\n| --- | ---: | ---: |\n");
      for (String name : series) {
        md.append("| `").append(name).append("` | ").append(number(before.metrics().get(name))).append(" | ")
            .append(number(after.metrics().get(name))).append(" |\n");
      }
    }
  }

  private static String percentiles(Histogram h) {
    if (h.getTotalCount() == 0) {
      return "-";
    }
    return h.getValueAtPercentile(50) + " / " + h.getValueAtPercentile(95) + " / " + h.getValueAtPercentile(99);
  }

  private static String number(Double value) {
    if (value == null) {
      return "-";
    }
    return value == Math.rint(value) ? Long.toString(value.longValue()) : String.format(Locale.ROOT, "%.3f", value);
  }
}
