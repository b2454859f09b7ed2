package dev.varco.system;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two real llm-service replicas behind one gateway given both addresses
 * ({@code varco.gateway.discovery.addresses}): every conversation's second turn lands on the
 * replica that served its first, which its cached prompt tokens prove (a KV cache lives only on
 * the replica that built it), and the conversations are spread over both replicas.
 */
@ExtendWith(RunningStack.class)
class LlmReplicaAffinitySystemTest {
  private static final int CONVERSATIONS = 16;
  private static ServiceProcess replicaA;
  private static ServiceProcess replicaB;
  private static ServiceProcess gateway;
  private static ResponsesHttp api;

  @BeforeAll
  static void startTwoReplicasAndAGateway() throws Exception {
    replicaA = ServiceProcess.llmService("affinity-llm-a").start();
    replicaB = ServiceProcess.llmService("affinity-llm-b").start();
    gateway = ServiceProcess.gateway("affinity-gateway", replicaA.grpcPort)
        .with("varco.gateway.discovery.addresses", "127.0.0.1:" + replicaA.grpcPort + ",127.0.0.1:" + replicaB.grpcPort)
        .start();
    api = new ResponsesHttp(gateway.url());
  }

  @AfterAll
  static void stopThem() throws Exception {
    for (ServiceProcess process : new ServiceProcess[] {gateway, replicaB, replicaA}) {
      if (process != null) {
        process.close();
      }
    }
  }

  private static double promptTokens(ServiceProcess replica) {
    String metrics = given().get(replica.url() + "/q/metrics").then().statusCode(200).extract().asString();
    return metrics.lines().filter(l -> l.startsWith("vllm:prompt_tokens_total")).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  @Test
  void turnTwoOfEveryConversationReusesTheKvCacheOfTurnOne() throws Exception {
    List<String> misses = new ArrayList<>();
    for (int i = 0; i < CONVERSATIONS; i++) {
      String conversation = api.newConversation();
      JsonNode first = api.create(ResponsesHttp.turn(conversation, 4, 0.0, ResponsesHttp.userMessage("Conversation " + i + ": hello.", null)));
      JsonNode second = api.create(ResponsesHttp.turn(conversation, 4, 0.0, ResponsesHttp.userMessage("And then?", null)));
      long cached = second.path("usage").path("input_tokens_details").path("cached_tokens").asLong();
      // Turn 2's prompt begins with all of turn 1's: on the same replica all of those are cached.
      if (cached < ResponsesHttp.inputTokens(first)) {
        misses.add(conversation + ": " + cached + " cached of turn 1's " + ResponsesHttp.inputTokens(first));
      }
    }
    assertEquals(List.of(), misses, "turns that landed on a replica without their conversation's KV cache");
    // 16 random conversation ids all on one replica would happen 2 times in 65536.
    assertTrue(promptTokens(replicaA) > 0 && promptTokens(replicaB) > 0,
        "both replicas served conversations: " + promptTokens(replicaA) + " / " + promptTokens(replicaB));
  }
}
