package dev.varco.k8s;

import dev.varco.llm.engine.LlmServiceScrape;
import dev.varco.vision.engine.VisionServiceScrape;
import java.util.Map;
import java.util.TreeMap;

/**
 * The metric families each backend exports, name to Prometheus type, from a scrape of the
 * services' own meter registrations (the code behind their /q/metrics).
 */
final class ExportedMetrics {
  private ExportedMetrics() {}

  static Map<String, String> of(String service) {
    String scrape = switch (service) {
      case "llm-service" -> LlmServiceScrape.scrape();
      case "vision-service" -> VisionServiceScrape.scrape();
      default -> throw new IllegalArgumentException("no autoscaled metrics for " + service);
    };
    Map<String, String> types = new TreeMap<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String[] words = line.split(" ");
        types.put(words[2], words[3]);
      }
    }
    return types;
  }
}
