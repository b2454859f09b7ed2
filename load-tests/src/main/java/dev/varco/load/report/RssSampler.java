package dev.varco.load.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples the RSS of each local service while a run goes on (a soak's memory curve, the peak under
 * overload), every {@code periodSeconds}, from a daemon thread; {@link #stop()} returns the samples.
 */
public final class RssSampler {
  /** One sample: seconds since the sampler started, and MiB per service. */
  public record Sample(double seconds, Map<String, Long> rssMiB) {}

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "rss-sampler");
    thread.setDaemon(true);
    return thread;
  });
  private final List<Sample> samples = new ArrayList<>();
  private final long start = System.nanoTime();

  private RssSampler() {}

  /** Starts sampling the services of the launcher state directory, if there is one. */
  public static RssSampler start(Optional<Path> stateDir, long periodSeconds) {
    RssSampler sampler = new RssSampler();
    stateDir.ifPresent(dir -> sampler.timer.scheduleAtFixedRate(() -> sampler.sample(dir), 0, periodSeconds, TimeUnit.SECONDS));
    return sampler;
  }

  private void sample(Path stateDir) {
    Map<String, Long> rss = new LinkedHashMap<>();
    for (String service : StackSnapshot.SERVICES) {
      StackSnapshot.rss(stateDir, service).ifPresent(mib -> rss.put(service, mib));
    }
    synchronized (samples) {
      samples.add(new Sample((System.nanoTime() - start) / 1e9, rss));
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

  /** The samples as CSV: {@code seconds,gateway,llm-service,vision-service} (MiB; empty cell when not running). */
  public static String csv(List<Sample> samples) {
    StringBuilder csv = new StringBuilder("seconds," + String.join(",", StackSnapshot.SERVICES) + "\n");
    for (Sample sample : samples) {
      csv.append(String.format(java.util.Locale.ROOT, "%.1f", sample.seconds()));
      for (String service : StackSnapshot.SERVICES) {
        Long mib = sample.rssMiB().get(service);
        csv.append(',').append(mib == null ? "" : mib.toString());
      }
      csv.append('\n');
    }
    return csv.toString();
  }
}
