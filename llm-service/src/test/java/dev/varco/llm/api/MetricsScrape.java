package dev.varco.llm.api;

import static io.restassured.RestAssured.given;

import java.time.Duration;
import java.util.function.DoublePredicate;

/** Reads one series from this service's /q/metrics (Prometheus text format). */
final class MetricsScrape {
  private MetricsScrape() {}

  /**
   * @param series a metric name, optionally with its labels as Prometheus prints them, e.g.
   *     {@code varco:kv_cache_bytes{state="idle"}}
   * @return its value, or -1 when the series is absent
   */
  static double value(String series) {
    return given().get("/q/metrics").then().statusCode(200).extract().asString().lines()
        .filter(l -> l.startsWith(series + " ") || (!series.contains("{") && l.startsWith(series + "{")))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
  }

  /** Polls {@code series} until {@code condition} holds or {@code limit} passes; returns the last value. */
  static double await(String series, DoublePredicate condition, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    double value = value(series);
    while (!condition.test(value) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      value = value(series);
    }
    return value;
  }
}
