package dev.varco.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.proto.chat.v1.ChatGrpc;
import dev.varco.proto.chat.v1.ChatMessage;
import dev.varco.proto.chat.v1.ChatPart;
import dev.varco.proto.chat.v1.ChatRequest;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One key cannot starve the others: each turn tells llm-service whose it is (its fair queue's
 * {@code caller}); a key holds no more requests in flight than llm-service runs at once (here 2,
 * below the configured 8); a full llm-service queue is a 429 with {@code Retry-After}; a stalled
 * upload is cut after {@code varco.gateway.body-read-timeout} (here 1 s) and gives its slot back;
 * the slot of an answer is free once the client has read its last event.
 */
@QuarkusTest
@TestProfile(FairKeysTest.TwoKeysTwoSlots.class)
class FairKeysTest {
  static final String ALICE = "Bearer sk-alice";
  static final String BOB = "Bearer sk-bob";

  public static class TwoKeysTwoSlots implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "varco.gateway.access.api-keys", "alice:sk-alice,bob:sk-bob",
          "varco.gateway.access.max-concurrent-requests", "8",
          "varco.gateway.access.requests-per-minute", "60000",
          "varco.gateway.access.burst", "1000",
          "varco.gateway.body-read-timeout", "PT1S");
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(FaultyBackend.class, Map.of("max-running-requests", "2")));
    }
  }

  @TestHTTPResource("/")
  URL base;

  @Inject MeterRegistry registry;

  @GrpcClient("chat")
  Channel channel;

  @AfterEach
  void everySlotCameBack() throws InterruptedException {
    assertEquals(0, awaitInFlight("alice", 0), "alice's in-flight slots after the test");
  }

  private static String chat(String text, boolean stream) {
    return "{\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
  }

  /** The gauge read in this JVM, without a request of its own. */
  private int inFlight(String key) {
    var gauge = registry.find("varco_gateway_requests_in_flight").tag("key", key).gauge();
    return gauge == null ? 0 : (int) gauge.value();
  }

  private int awaitInFlight(String key, int expected) throws InterruptedException {
    for (int i = 0; i < 200 && inFlight(key) != expected; i++) {
      Thread.sleep(50);
    }
    return inFlight(key);
  }

  private ChatGrpc.ChatBlockingStub grpc(String authorization) {
    Metadata headers = new Metadata();
    headers.put(ChatAccessInterceptor.AUTHORIZATION, authorization);
    return ChatGrpc.newBlockingStub(channel).withDeadlineAfter(Duration.ofSeconds(30))
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static ChatRequest grpcChat(String text) {
    return ChatRequest.newBuilder().addMessages(ChatMessage.newBuilder().setRole("user")
        .addParts(ChatPart.newBuilder().setText(text))).build();
  }

  @Test
  void eachTurnTellsTheBackendWhoseItIs() {
    given().header("Authorization", ALICE).contentType(ContentType.JSON).body(chat("hi", false))
        .post("/v1/chat/completions").then().statusCode(200);
    assertEquals("alice", FaultyBackend.LAST_CALLER.get());
    given().header("Authorization", BOB).contentType(ContentType.JSON).body("{\"input\":\"hi\"}")
        .post("/v1/responses").then().statusCode(200);
    assertEquals("bob", FaultyBackend.LAST_CALLER.get());
    grpc(ALICE).complete(grpcChat("hi")).forEachRemaining(response -> { });
    assertEquals("alice", FaultyBackend.LAST_CALLER.get());
  }

  @Test
  void aKeyHoldsNoMoreRequestsThanTheBackendRunsAtOnce() throws Exception {
    given().header("Authorization", BOB).get("/v1/models").then().statusCode(200); // the backend has described itself
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest stalled = HttpRequest.newBuilder(URI.create(base + "v1/chat/completions"))
        .header("Authorization", ALICE).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(chat("stall", false))).build();
    CompletableFuture<HttpResponse<String>> first = client.sendAsync(stalled, HttpResponse.BodyHandlers.ofString());
    CompletableFuture<HttpResponse<String>> second = client.sendAsync(stalled, HttpResponse.BodyHandlers.ofString());
    assertEquals(2, awaitInFlight("alice", 2));
    given().header("Authorization", ALICE).get("/v1/models").then().statusCode(429)
        .header("Retry-After", "1")
        .body("error.message", containsString("already has 2 requests in flight"))
        .body("error.message", containsString("varco.llm.max-running-requests 2"));
    given().header("Authorization", BOB).get("/v1/models").then().statusCode(200);
    assertEquals(504, first.get().statusCode());
    assertEquals(504, second.get().statusCode());
  }

  @Test
  void aFullBackendQueueIsA429ThatSaysWhenToRetry() {
    given().header("Authorization", ALICE).contentType(ContentType.JSON).body(chat("busy", false))
        .post("/v1/chat/completions").then().statusCode(429)
        .header("Retry-After", "1")
        .body("error.type", equalTo("rate_limit_error"))
        .body("error.message", containsString("varco.llm.max-waiting-requests"));
    given().header("Authorization", ALICE).contentType(ContentType.JSON).body("{\"input\":\"busy\"}")
        .post("/v1/responses").then().statusCode(429).header("Retry-After", "1");
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
        () -> grpc(ALICE).complete(grpcChat("busy")).forEachRemaining(response -> { }));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
    assertEquals("1", refused.getTrailers().get(ChatAccessInterceptor.RETRY_AFTER));
  }

  @Test
  void aStalledUploadIsCutAndGivesItsSlotBack() throws Exception {
    for (boolean chunked : new boolean[] {false, true}) {
      // Half a body, then nothing: the client neither finishes nor leaves.
      try (RawHttp http = RawHttp.post(base.getPort(), "/v1/chat/completions", ALICE, 100_000, 50_000, chunked)) {
        RawHttp.Answer answer = http.answer();
        assertEquals(408, answer.status(), answer.headers());
        assertTrue(answer.body().contains("\"code\":\"request_timeout\""), answer.body());
        assertTrue(answer.body().contains("varco.gateway.body-read-timeout"), answer.body());
        assertEquals(0, awaitInFlight("alice", 0), "the stalled upload's slot came back");
      }
    }
  }

  @Test
  void theSlotIsFreeOnceTheLastEventIsRead() throws Exception {
    for (int i = 0; i < 100; i++) {
      try (RawHttp http = RawHttp.send(base.getPort(), "/v1/chat/completions", ALICE, chat("ok", true))) {
        http.readUntil("data: [DONE]\n\n");
        assertEquals(0, inFlight("alice"), "round " + i + ": the answer was read to its end");
      }
    }
    for (int i = 0; i < 100; i++) {
      grpc(ALICE).complete(grpcChat("ok")).forEachRemaining(response -> { });
      assertEquals(0, inFlight("alice"), "round " + i + ": the gRPC call has its status");
    }
  }

  @Test
  void unpairedSurrogatesAreRefusedNamingTheField() {
    given().header("Authorization", ALICE).contentType(ContentType.JSON).body(chat("a\\ud800b", false))
        .post("/v1/chat/completions").then().statusCode(400)
        .body("error.param", equalTo("messages[0].content"))
        .body("error.message", containsString("unpaired UTF-16 surrogate at index 1"));
    given().header("Authorization", ALICE).contentType(ContentType.JSON)
        .body("{\"metadata\":{\"title\":\"\\udc00\"}}")
        .post("/v1/conversations").then().statusCode(400).body("error.param", equalTo("metadata.title"));
    given().header("Authorization", ALICE).contentType(ContentType.JSON)
        .body("{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"\\ud83d\"}]}]}")
        .post("/v1/responses").then().statusCode(400).body("error.param", equalTo("input[0].content[0].text"));
    // A pair is one character (an emoji): kept.
    given().header("Authorization", ALICE).contentType(ContentType.JSON).body(chat("\\ud83d\\ude00", false))
        .post("/v1/chat/completions").then().statusCode(200);
  }
}
