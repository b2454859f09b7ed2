package dev.varco.vision.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;

/** Waits for {@code /q/health/ready}: the encoder loads in the background after start-up. */
final class ServiceReadiness {
  private ServiceReadiness() {}

  static void await() throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
    while (true) {
      Response ready = given().get("/q/health/ready");
      if (ready.statusCode() == 200) {
        return;
      }
      assertFalse(ready.asString().contains("failed:"), "the encoder failed to load: " + ready.asString());
      assertTrue(Instant.now().isBefore(deadline), "encoder not ready within 3 minutes: " + ready.asString());
      Thread.sleep(200);
    }
  }
}
