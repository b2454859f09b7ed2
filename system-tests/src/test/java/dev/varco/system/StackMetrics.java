package dev.varco.system;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Reads Prometheus series from a running service's {@code /q/metrics}. */
final class StackMetrics {
  private StackMetrics() {}

  /**
   * The sum of a metric's series on llm-service: {@code name} alone sums every label set; with its
   * labels as Prometheus prints them ({@code name{a="b"}}) only that series. 0 when absent.
   */
  static double llm(String series) {
    return sum("http://127.0.0.1:" + RunningStack.get().llmHttpPort, series);
  }

  /**
   * Waits (up to 15 s) until the shared llm-service runs no request, so a generation a test left
   * behind cannot show in the next test's gauges; fails with {@code why} otherwise.
   */
  static void awaitLlmIdle(String why) throws InterruptedException {
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (llm("vllm:num_requests_running") > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(0, llm("vllm:num_requests_running"), why);
  }

  /** As {@link #llm} on vision-service. */
  static double vision(String series) {
    return sum("http://127.0.0.1:" + RunningStack.get().visionHttpPort, series);
  }

  /**
   * Encode calls vision-service has answered or is answering: every call looks its embedding cache
   * up once, so hits + misses.
   */
  static double visionEncodeCalls() {
    return vision("varco_vision_cache_hits_total") + vision("varco_vision_cache_misses_total");
  }

  /** As {@link #llm} on a service process of a test's own. */
  static double of(ServiceProcess process, String series) {
    return sum(process.url(), series);
  }

  /** As {@link #llm} on the gateway. */
  static double gateway(String series) {
    return sum(RunningStack.get().gatewayUrl(), series);
  }

  private static double sum(String baseUrl, String series) {
    String metrics = given().get(baseUrl + "/q/metrics").then().statusCode(200).extract().asString();
    return metrics.lines()
        .filter(l -> l.startsWith(series + " ") || (!series.contains("{") && l.startsWith(series + "{")))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }
}
