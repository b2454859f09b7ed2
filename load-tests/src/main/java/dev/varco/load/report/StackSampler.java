package dev.varco.load.report;

import dev.varco.load.LoadSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples the stack while a run goes on, every {@code periodSeconds} from a daemon thread: the RSS
 * of each local service (a soak's memory curve, the peak under overload) and the queue gauges of
 * llm-service and vision-service (which one fills first is where the stack saturates first).
 * {@link #stop()} returns the samples.
 */
public final class StackSampler {
  /** One sample: seconds since the sampler started, MiB per service, "service gauge" -> value. */
  public record Sample(double seconds, Map<String, Long> rssMiB, Map<String, Double> gauges) {}

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "stack-sampler");
    thread.setDaemon(true);
    return thread;
  });
  private final List<Sample> samples = new ArrayList<>();
  private final long start = System.nanoTime();

  private StackSampler() {}

  /** Starts sampling what the settings reach (local pid files, llm-service and vision-service metrics). */
  public static StackSampler start(LoadSettings settings, long periodSeconds) {
    StackSampler sampler = new StackSampler();
    if (settings.stateDir().isPresent() || settings.llmUrl().isPresent() || settings.visionUrl().isPresent()) {
      sampler.timer.scheduleAtFixedRate(() -> sampler.sample(settings), 0, periodSeconds, TimeUnit.SECONDS);
    }
    return sampler;
  }

  private void sample(LoadSettings settings) {
    Map<String, Long> rss = new LinkedHashMap<>();
    settings.stateDir().ifPresent(dir -> StackSnapshot.SERVICES.forEach(service -> StackSnapshot.rss(dir, service).ifPresent(mib -> rss.put(service, mib))));
    Map<String, Double> gauges = new LinkedHashMap<>();
    StackSnapshot.scrape("llm-service", settings.llmUrl(), StackSnapshot.QUEUES.get("llm-service"), gauges);
    StackSnapshot.scrape("vision-service", settings.visionUrl(), StackSnapshot.QUEUES.get("vision-service"), gauges);
    synchronized (samples) {
      samples.add(new Sample((System.nanoTime() - start) / 1e9, rss, gauges));
    }
  }

  public List<Sample> stop() throws InterruptedException {
    timer.shutdownNow();
    timer.awaitTermination(5, TimeUnit.SECONDS);
    synchronized (samples) {
      return List.copyOf(samples);
    }
  }

  /** The highest sample of a service, empty when never sampled. */
  public static Optional<Long> peak(List<Sample> samples, String service) {
    return samples.stream().map(s -> s.rssMiB().get(service)).filter(v -> v != null).max(Long::compare);
  }

  /** The highest sample of a gauge ("service gauge"), empty when never sampled. */
  public static Optional<Double> peakGauge(List<Sample> samples, String gauge) {
    return samples.stream().map(s -> s.gauges().get(gauge)).filter(v -> v != null).max(Double::compare);
  }

  /** Every gauge name sampled, in a stable order. */
  public static List<String> gauges(List<Sample> samples) {
    return samples.stream().flatMap(s -> s.gauges().keySet().stream()).distinct().sorted().toList();
  }

  /** The samples as CSV: seconds, RSS MiB of each service, then each gauge (empty cell when not read). */
  public static String csv(List<Sample> samples) {
    List<String> gauges = gauges(samples);
    StringBuilder csv = new StringBuilder("seconds");
    StackSnapshot.SERVICES.forEach(service -> csv.append(',').append(service).append(" rss_mib"));
    gauges.forEach(gauge -> csv.append(',').append(gauge));
    csv.append('\n');
    for (Sample sample : samples) {
      csv.append(String.format(Locale.ROOT, "%.1f", sample.seconds()));
      for (String service : StackSnapshot.SERVICES) {
        Long mib = sample.rssMiB().get(service);
        csv.append(',').append(mib == null ? "" : mib.toString());
      }
      for (String gauge : gauges) {
        Double value = sample.gauges().get(gauge);
        csv.append(',').append(value == null ? "" : String.format(Locale.ROOT, "%.3f", value));
      }
      csv.append('\n');
    }
    return csv.toString();
  }
}
