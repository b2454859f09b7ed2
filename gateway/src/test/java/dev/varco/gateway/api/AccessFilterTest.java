package dev.varco.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.proto.chat.v1.ChatGrpc;
import dev.varco.proto.chat.v1.ListModelsRequest;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * API keys and per-key limits on the real HTTP and gRPC servers (no language-model backend: an
 * admitted request gets the backend's 503 / UNAVAILABLE, which is how we see it was admitted).
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

  @GrpcClient("chat")
  Channel channel;

  private static ChatGrpc.ChatBlockingStub withKey(ChatGrpc.ChatBlockingStub stub, String key) {
    Metadata headers = new Metadata();
    headers.put(ChatAccessInterceptor.AUTHORIZATION, "Bearer " + key);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  @Test
  void theGrpcChatServiceWantsAKeyToo() {
    var chat = ChatGrpc.newBlockingStub(channel).withDeadlineAfter(Duration.ofSeconds(30));
    var missing = assertThrows(StatusRuntimeException.class, () -> chat.listModels(ListModelsRequest.getDefaultInstance()));
    assertEquals(Status.Code.UNAUTHENTICATED, missing.getStatus().getCode());
    var wrong = assertThrows(StatusRuntimeException.class,
        () -> withKey(chat, "sk-mallory").listModels(ListModelsRequest.getDefaultInstance()));
    assertEquals(Status.Code.UNAUTHENTICATED, wrong.getStatus().getCode());
    // Admitted: no backend runs in this test, so the call itself fails with UNAVAILABLE.
    var admitted = assertThrows(StatusRuntimeException.class,
        () -> withKey(chat, "sk-alice").listModels(ListModelsRequest.getDefaultInstance()));
    assertEquals(Status.Code.UNAVAILABLE, admitted.getStatus().getCode());
  }

  @Test
  void healthNeedsNoKey() {
    given().get("/q/health/live").then().statusCode(200);
  }

  @Test
  void clientAddressesAreReadWithoutLookups() {
    assertTrue(AccessFilter.address(SocketAddress.inetSocketAddress(1, "127.0.0.1")).isLoopbackAddress());
    assertTrue(AccessFilter.address(SocketAddress.inetSocketAddress(1, "::1")).isLoopbackAddress());
    assertFalse(AccessFilter.address(SocketAddress.inetSocketAddress(1, "10.1.2.3")).isLoopbackAddress());
    assertNull(AccessFilter.address(null));
  }
}
