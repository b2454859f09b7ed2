package dev.varco.vision.api;

import static io.restassured.RestAssured.given;

/** Reads one value from {@code /q/metrics} (Prometheus text), summed over its label sets. */
final class MetricsScrape {
  private MetricsScrape() {}

  static String text() {
    return given().get("/q/metrics").then().statusCode(200).extract().asString();
  }

  /** The sample {@code name} (with any labels); 0 when absent. */
  static double value(String name) {
    double sum = 0;
    for (String line : text().split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }
}
