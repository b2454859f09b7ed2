package dev.varco.load.report;

import dev.varco.load.LoadSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The stack's own view at one moment: selected Prometheus series of each service it can reach and the
 * resident memory of each local service process (from the launcher's pid files), plus this machine's
 * load average, so a report says how busy the machine was besides the stack.
 *
 * @param metrics "service series" -> value (series summed over their labels); missing when unreachable
 * @param rssMiB service -> resident set size in MiB, for the services whose pid file names a live process
 */
public record StackSnapshot(Instant at, Map<String, Double> metrics, Map<String, Long> rssMiB, String loadAverage) {
  public static final List<String> SERVICES = List.of("gateway", "llm-service", "vision-service");

  private static final Map<String, List<String>> SERIES = Map.of(
      "gateway", List.of("varco_gateway_errors_total", "varco_gateway_completion_tokens_total"),
      "llm-service", List.of("vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
          "vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total", "vllm:generation_tokens_total"),
      "vision-service", List.of("varco_vision_num_requests_waiting", "varco_vision_tiles_waiting", "varco_vision_cache_hits_total"));

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  public static StackSnapshot take(LoadSettings settings) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    scrape("gateway", Optional.of(settings.baseUrl()), metrics);
    scrape("llm-service", settings.llmUrl(), metrics);
    scrape("vision-service", settings.visionUrl(), metrics);
    Map<String, Long> rss = new LinkedHashMap<>();
    settings.stateDir().ifPresent(dir -> SERVICES.forEach(service -> rss(dir, service).ifPresent(mib -> rss.put(service, mib))));
    return new StackSnapshot(Instant.now(), metrics, rss, machineLoad());
  }

  /** Gauges worth watching during a run: where requests queue shows where the stack saturates first. */
  static final Map<String, List<String>> QUEUES = Map.of(
      "llm-service", List.of("vllm:num_requests_waiting", "vllm:num_requests_running", "vllm:kv_cache_usage_perc"),
      "vision-service", List.of("varco_vision_num_requests_waiting", "varco_vision_tiles_waiting"));

  static void scrape(String service, Optional<String> baseUrl, Map<String, Double> into) {
    scrape(service, baseUrl, SERIES.get(service), into);
  }

  /** Adds "service series" -> value for each series; adds nothing when the service does not answer. */
  static void scrape(String service, Optional<String> baseUrl, List<String> series, Map<String, Double> into) {
    if (baseUrl.isEmpty()) {
      return;
    }
    String text;
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl.get() + "/q/metrics"))
          .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return;
      }
      text = response.body();
    } catch (IOException e) {
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    for (String name : series) {
      into.put(service + " " + name, sum(text, name));
    }
  }

  /** Sum of a series over all its label sets (0 when absent). */
  static double sum(String prometheusText, String series) {
    return prometheusText.lines()
        .filter(line -> line.startsWith(series + " ") || line.startsWith(series + "{"))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }

  /** The RSS in MiB of a service the launcher started, from its pid file; empty when not running. */
  static Optional<Long> rss(Path stateDir, String service) {
    try {
      Path pidFile = stateDir.resolve(service + ".pid");
      if (!Files.exists(pidFile)) {
        return Optional.empty();
      }
      Path status = Path.of("/proc", Files.readString(pidFile).trim(), "status");
      if (!Files.exists(status)) {
        return Optional.empty();
      }
      return Files.readAllLines(status).stream().filter(l -> l.startsWith("VmRSS:"))
          .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024).findFirst();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static String machineLoad() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
