package dev.varco.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.net.SocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * API keys and per-key limits on the real HTTP server (no language-model backend: an admitted
 * request gets the backend's 503, which is how we see it was admitted).
 */
@QuarkusTest
@TestProfile(AccessFilterTest.TwoKeys.class)
class AccessFilterTest {
  public static class TwoKeys implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "varco.gateway.access.api-keys", "alice:sk-alice,sk-bob",
          "varco.gateway.access.requests-per-minute", "6",
          "varco.gateway.access.burst", "2");
    }
  }

  @Test
  void aMissingOrUnknownKeyIs401() {
    given().get("/v1/models").then().statusCode(401)
        .body("error.code", equalTo("invalid_api_key"))
        .body("error.message", equalTo("missing API key: send Authorization: Bearer <key>"));
    given().header("Authorization", "Bearer sk-mallory").get("/v1/models").then().statusCode(401)
        .body("error.message", equalTo("invalid API key"));
    given().header("Authorization", "Basic sk-alice").get("/v1/models").then().statusCode(401);
  }

  @Test
  void eachKeyHasItsOwnRateAndA429SaysWhenToRetry() {
    for (int i = 0; i < 2; i++) {
      given().header("Authorization", "Bearer sk-bob").get("/v1/models").then().statusCode(not(equalTo(429)));
    }
    String retryAfter = given().header("Authorization", "Bearer sk-bob").get("/v1/models").then().statusCode(429)
        .body("error.type", equalTo("rate_limit_error"))
        .body("error.code", equalTo("rate_limit_exceeded"))
        .extract().header("Retry-After");
    assertTrue(Integer.parseInt(retryAfter) >= 1 && Integer.parseInt(retryAfter) <= 10, retryAfter);
    given().header("Authorization", "bearer sk-alice").get("/v1/models").then().statusCode(not(equalTo(429)));
  }

  @Test
  void healthNeedsNoKey() {
    given().get("/q/health/live").then().statusCode(200);
  }

  @Test
  void loopbackIsRecognised() {
    assertTrue(AccessFilter.isLoopback(SocketAddress.inetSocketAddress(1, "127.0.0.1")));
    assertTrue(AccessFilter.isLoopback(SocketAddress.inetSocketAddress(1, "::1")));
    assertFalse(AccessFilter.isLoopback(SocketAddress.inetSocketAddress(1, "10.1.2.3")));
    assertFalse(AccessFilter.isLoopback(null));
  }
}
