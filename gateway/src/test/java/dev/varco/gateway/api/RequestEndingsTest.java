package dev.varco.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.net.URL;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * However a {@code /v1} request ends, its key's in-flight slot comes back (413, 400, 404, 401,
 * client gone mid-upload or mid-stream, upstream error, upstream timeout), seen on the gauge
 * {@code varco_gateway_requests_in_flight}; and the body limit in effect is
 * {@code varco.gateway.max-body-bytes} (here 12 MiB, above Quarkus' 10 MiB default), for declared
 * and chunked uploads alike, answered with an OpenAI error and counted.
 */
@QuarkusTest
@TestProfile(RequestEndingsTest.OneKeyFaultyBackend.class)
class RequestEndingsTest {
  static final long LIMIT = 12L << 20;
  static final String KEY = "Bearer sk-alice";

  public static class OneKeyFaultyBackend implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "varco.gateway.access.api-keys", "alice:sk-alice",
          "varco.gateway.access.max-concurrent-requests", "2",
          "varco.gateway.access.requests-per-minute", "60000",
          "varco.gateway.access.burst", "1000",
          "varco.gateway.max-body-bytes", Long.toString(LIMIT));
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(FaultyBackend.class));
    }
  }

  @TestHTTPResource("/")
  URL base;

  @AfterEach
  void everySlotCameBack() throws InterruptedException {
    assertEquals(0, awaitInFlight(0), "alice's in-flight slots after the test");
  }

  private static String chat(String text, boolean stream) {
    return "{\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
  }

  /** The gauge once it reads {@code expected}, or what it reads after 10 s. */
  private static int awaitInFlight(int expected) throws InterruptedException {
    int seen = -1;
    for (int i = 0; i < 200 && seen != expected; i++) {
      if (i > 0) {
        Thread.sleep(50);
      }
      Matcher m = Pattern.compile("varco_gateway_requests_in_flight\\{key=\"alice\"} ([0-9.]+)")
          .matcher(given().get("/q/metrics").asString());
      seen = m.find() ? (int) Double.parseDouble(m.group(1)) : 0;
    }
    return seen;
  }

  @Test
  void quarkusFollowsTheConfiguredLimit() {
    assertEquals(LIMIT, ConfigProvider.getConfig().getValue("quarkus.http.limits.max-body-size", MemorySize.class)
        .asLongValue());
  }

  @Test
  void aBodyBetweenQuarkusDefaultAndOurLimitIsServed() {
    // 11 MB: over Quarkus' 10 MiB default, under the 12 MiB configured. The padding is an ignored field.
    String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"padding\":\"" + "a".repeat(11_000_000) + "\"}";
    given().header("Authorization", KEY).contentType(ContentType.JSON).body(body).post("/v1/chat/completions")
        .then().statusCode(200).body("choices[0].message.content", equalTo("ok"));
  }

  @Test
  void declaredAndChunkedOversizedBodiesGetTheSameOpenAiError() throws Exception {
    for (boolean chunked : new boolean[] {false, true}) {
      for (int i = 0; i < 3; i++) { // more 413s than the key has slots
        try (RawHttp http = RawHttp.post(base.getPort(), "/v1/chat/completions", KEY, LIMIT + 1, LIMIT + (1 << 20),
            chunked)) {
          RawHttp.Answer answer = http.answer();
          assertEquals(413, answer.status(), answer.headers());
          assertTrue(answer.body().contains("\"code\":\"request_too_large\""), answer.body());
          assertTrue(answer.body().contains("larger than the limit of " + LIMIT + " bytes (varco.gateway.max-body-bytes)"),
              answer.body());
        }
      }
    }
    given().get("/q/metrics").then()
        .body(containsString("varco_gateway_errors_total{api=\"rest\",status=\"413\",type=\"invalid_request_error\"} 6.0"));
  }

  @Test
  void refusedRequestsGiveTheirSlotBack() {
    for (int i = 0; i < 3; i++) {
      given().header("Authorization", KEY).contentType(ContentType.JSON).body("{\"messages\": [")
          .post("/v1/chat/completions").then().statusCode(400);
      given().header("Authorization", KEY).get("/v1/conversations/conv_missing").then().statusCode(404);
      given().header("Authorization", KEY).contentType(ContentType.JSON)
          .body("{\"model\":\"other\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
          .post("/v1/chat/completions").then().statusCode(404).body("error.param", equalTo("model"));
      given().header("Authorization", KEY).get("/v1/no-such-route").then().statusCode(404);
      given().header("Authorization", "Bearer sk-mallory").get("/v1/models").then().statusCode(401);
    }
    given().header("Authorization", KEY).get("/v1/models").then().statusCode(200);
  }

  @Test
  void upstreamErrorsAndTimeoutsGiveTheirSlotBack() {
    for (int i = 0; i < 3; i++) {
      given().header("Authorization", KEY).contentType(ContentType.JSON).body(chat("fail", false))
          .post("/v1/chat/completions").then().statusCode(500).body("error.message", containsString("injected failure"));
    }
    for (int i = 0; i < 3; i++) {
      given().header("Authorization", KEY).contentType(ContentType.JSON).body(chat("stall", false))
          .post("/v1/chat/completions").then().statusCode(504);
    }
  }

  @Test
  void aClientGoneMidUploadGivesItsSlotBack() throws Exception {
    for (int i = 0; i < 3; i++) {
      try (RawHttp http = RawHttp.post(base.getPort(), "/v1/chat/completions", KEY, 100_000, 1_000, false)) {
        assertEquals(1, awaitInFlight(1), "the upload holds a slot while it runs");
      }
      assertEquals(0, awaitInFlight(0));
    }
  }

  @Test
  void aClientGoneMidStreamGivesItsSlotBackAndCancelsTheGeneration() throws Exception {
    int cancelledBefore = FaultyBackend.CANCELLED.get();
    for (int i = 0; i < 3; i++) {
      try (RawHttp http = RawHttp.send(base.getPort(), "/v1/chat/completions", KEY, chat("partial", true))) {
        http.readUntil("partial");
        assertEquals(1, awaitInFlight(1));
      }
      assertEquals(0, awaitInFlight(0));
    }
    for (int i = 0; i < 200 && FaultyBackend.CANCELLED.get() < cancelledBefore + 3; i++) {
      Thread.sleep(50);
    }
    assertEquals(cancelledBefore + 3, FaultyBackend.CANCELLED.get(), "every generation was cancelled upstream");
  }

  @Test
  void theKeysLimitCountsRequestsThatAreStillRunning() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest stalled = HttpRequest.newBuilder(URI.create(base + "v1/chat/completions"))
        .header("Authorization", KEY).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(chat("stall", false))).build();
    CompletableFuture<HttpResponse<String>> first = client.sendAsync(stalled, HttpResponse.BodyHandlers.ofString());
    CompletableFuture<HttpResponse<String>> second = client.sendAsync(stalled, HttpResponse.BodyHandlers.ofString());
    assertEquals(2, awaitInFlight(2));
    given().header("Authorization", KEY).get("/v1/models").then().statusCode(429)
        .body("error.message", containsString("already has 2 requests in flight"));
    assertEquals(504, first.get().statusCode());
    assertEquals(504, second.get().statusCode());
  }
}
