package dev.varco.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.proto.chat.v1.AddItemsRequest;
import dev.varco.proto.chat.v1.ChatGrpc;
import dev.varco.proto.chat.v1.ChatMessage;
import dev.varco.proto.chat.v1.ChatPart;
import dev.varco.proto.chat.v1.DeleteItemRequest;
import dev.varco.proto.chat.v1.GetItemRequest;
import dev.varco.proto.chat.v1.GetResponseRequest;
import dev.varco.proto.chat.v1.UpdateConversationRequest;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * A gateway whose Redis is not there at start-up: it starts anyway, is not ready (the check names
 * Redis), and every conversation call answers 503 {@code store_unavailable} (gRPC UNAVAILABLE),
 * not a 500 (INTERNAL).
 */
@QuarkusTest
@TestProfile(RedisUnreachableTest.NoRedis.class)
class RedisUnreachableTest {
  public static class NoRedis implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("varco.gateway.store.kind", "redis",
          "quarkus.redis.hosts", "redis://127.0.0.1:" + closedPort(),
          "varco.gateway.store.redis.timeout", "PT2S");
    }
  }

  /** A loopback port nothing listens on (free a moment ago). */
  static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void startsButIsNotReadyAndAnswers503() {
    given().when().get("/q/health/live").then().statusCode(200);
    given().when().get("/q/health/ready")
        .then().statusCode(503)
        .body("checks.find { it.name == 'conversation store' }.status", equalTo("DOWN"))
        .body("checks.find { it.name == 'conversation store' }.data.error", containsString("Redis at redis://127.0.0.1:"));
    given().when().get("/v1/conversations/conv_x")
        .then().statusCode(503).body("error.code", equalTo("store_unavailable"));
    given().contentType("application/json").body("{\"input\":\"hi\",\"previous_response_id\":\"resp_x\"}")
        .when().post("/v1/responses")
        .then().statusCode(503).body("error.code", equalTo("store_unavailable"));
  }

  @GrpcClient("chat")
  Channel channel;

  @Test
  void theGrpcSessionCallsAreUnavailable() {
    var chat = ChatGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    assertUnavailable(() -> chat.updateConversation(UpdateConversationRequest.newBuilder()
        .setConversationId("conv_x").putMetadata("k", "v").build()));
    assertUnavailable(() -> chat.addItems(AddItemsRequest.newBuilder().setConversationId("conv_x")
        .addItems(ChatMessage.newBuilder().setRole("user").addParts(ChatPart.newBuilder().setText("hi"))).build()));
    assertUnavailable(() -> chat.getItem(GetItemRequest.newBuilder().setConversationId("conv_x").setItemId("msg_x")
        .build()));
    assertUnavailable(() -> chat.deleteItem(DeleteItemRequest.newBuilder().setConversationId("conv_x")
        .setItemId("msg_x").build()));
    assertUnavailable(() -> chat.getResponse(GetResponseRequest.newBuilder().setResponseId("resp_x").build()));
  }

  private static void assertUnavailable(Executable call) {
    Status status = assertThrows(StatusRuntimeException.class, call).getStatus();
    assertEquals(Status.Code.UNAVAILABLE, status.getCode(), status.toString());
    assertTrue(status.getDescription().contains("conversation store is unavailable"), status.toString());
  }
}
