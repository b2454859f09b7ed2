package dev.varco.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.gateway.chat.ChatMessage;
import dev.varco.gateway.chat.ChatPart;
import dev.varco.gateway.chat.ChatTurn;
import dev.varco.gateway.upstream.GenerationListener;
import dev.varco.gateway.upstream.LanguageModelClient;
import dev.varco.gateway.upstream.ServedModel;
import dev.varco.gateway.upstream.UpstreamFailure;
import dev.varco.proto.llm.v1.ModelDescription;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/responses} with a scripted language model in place of llm-service: what the
 * model is sent (the whole conversation), what the client gets (JSON and SSE events) and what is
 * recorded (a completed turn whole, a failed one not at all).
 */
@QuarkusTest
class ResponsesRoutesTest {
  private static final byte[] IMAGE = {(byte) 0x89, 'P', 'N', 'G'};
  private static final String IMAGE_URL = "data:image/png;base64," + Base64.getEncoder().encodeToString(IMAGE);

  /** Answers each turn with "Hel" + "lo" and usage 10 + turn's message count, or fails after "Hel". */
  static final class ScriptedModel extends LanguageModelClient {
    final List<ChatTurn> turns = new ArrayList<>();
    volatile boolean failMidway;

    @Override
    public Generation generate(ChatTurn turn, String requestId, GenerationListener listener) {
      turns.add(turn);
      Thread.startVirtualThread(() -> {
        listener.onDelta("Hel", List.of());
        if (failMidway) {
          listener.onFailure(UpstreamFailure.from(Status.INTERNAL.withDescription("boom").asRuntimeException()));
          return;
        }
        listener.onDelta("lo", List.of());
        listener.onCompletion(GenerationListener.FinishReason.STOP,
            new GenerationListener.TokenUsage(10 + turn.messages().size(), 2, turn.imageCount() * 5, 0));
      });
      return () -> { };
    }
  }

  private ScriptedModel model;

  @BeforeEach
  void scriptTheModel() {
    model = new ScriptedModel();
    QuarkusMock.installMockForType(model, LanguageModelClient.class);
    QuarkusMock.installMockForType(new ServedModel() {
      @Override
      public Uni<ModelDescription> describe() {
        return Uni.createFrom().item(ModelDescription.newBuilder().setName("tiny").build());
      }
    }, ServedModel.class);
  }

  private static String conversation() {
    return given().when().post("/v1/conversations").then().statusCode(200).extract().path("id");
  }

  @Test
  void eachTurnSendsTheWholeConversationAndIsRecorded() {
    String id = conversation();
    String firstId = given().contentType(ContentType.JSON)
        .body("{\"model\":\"tiny\",\"conversation\":\"" + id + "\",\"instructions\":\"be brief\",\"input\":[{\"role\":\"user\","
            + "\"content\":[{\"type\":\"input_image\",\"image_url\":\"" + IMAGE_URL + "\"},{\"type\":\"input_text\",\"text\":\"what?\"}]}]}")
        .when().post("/v1/responses")
        .then().statusCode(200)
        .body("object", equalTo("response"))
        .body("status", equalTo("completed"))
        .body("model", equalTo("tiny"))
        .body("conversation.id", equalTo(id))
        .body("instructions", equalTo("be brief"))
        .body("output[0].type", equalTo("message"))
        .body("output[0].role", equalTo("assistant"))
        .body("output[0].content[0].type", equalTo("output_text"))
        .body("output[0].content[0].text", equalTo("Hello"))
        .body("usage.input_tokens", equalTo(12))
        .body("usage.output_tokens", equalTo(2))
        .body("usage.total_tokens", equalTo(14))
        .body("usage.input_tokens_details.cached_tokens", equalTo(0))
        .extract().path("id");

    given().contentType(ContentType.JSON).body("{\"conversation\":{\"id\":\"" + id + "\"},\"input\":\"and?\"}")
        .when().post("/v1/responses")
        .then().statusCode(200).body("instructions", nullValue()).body("usage.input_tokens", equalTo(13));

    ChatTurn second = model.turns.get(1);
    assertEquals(List.of(ChatMessage.Role.USER, ChatMessage.Role.ASSISTANT, ChatMessage.Role.USER),
        second.messages().stream().map(ChatMessage::role).toList(), "instructions are for their own turn only");
    ChatPart.Image image = assertInstanceOf(ChatPart.Image.class, second.messages().getFirst().parts().getFirst());
    assertEquals(Base64.getEncoder().encodeToString(IMAGE), Base64.getEncoder().encodeToString(image.bytes()));
    assertEquals(new ChatPart.Text("Hello"), second.messages().get(1).parts().getFirst());
    assertEquals(ChatMessage.Role.SYSTEM, model.turns.getFirst().messages().getFirst().role());

    given().when().get("/v1/conversations/" + id + "/items?order=asc")
        .then().statusCode(200).body("data", hasSize(4))
        .body("data[1].content[0].text", equalTo("Hello"))
        .body("data[2].content[0].text", equalTo("and?"));
    given().when().get("/v1/responses/" + firstId)
        .then().statusCode(200).body("output[0].content[0].text", equalTo("Hello")).body("usage.input_tokens", equalTo(12));

    // previous_response_id continues the first turn alone, without the conversation's second.
    given().contentType(ContentType.JSON).body("{\"previous_response_id\":\"" + firstId + "\",\"input\":\"again\"}")
        .when().post("/v1/responses")
        .then().statusCode(200).body("previous_response_id", equalTo(firstId)).body("conversation", nullValue());
    assertEquals(3, model.turns.get(2).messages().size());
  }

  @Test
  void aStreamIsTheResponsesEventSequence() {
    String id = conversation();
    String body = given().contentType(ContentType.JSON)
        .body("{\"conversation\":\"" + id + "\",\"input\":\"hi\",\"stream\":true}")
        .when().post("/v1/responses")
        .then().statusCode(200).contentType(org.hamcrest.Matchers.startsWith("text/event-stream"))
        .extract().asString();
    List<String> types = new ArrayList<>();
    Matcher event = Pattern.compile("event: (\\S+)\ndata: \\{\"type\":\"(\\S+?)\",\"sequence_number\":(\\d+)").matcher(body);
    while (event.find()) {
      assertEquals(event.group(1), event.group(2));
      assertEquals(types.size(), Integer.parseInt(event.group(3)), "sequence numbers count up from 0");
      types.add(event.group(1));
    }
    assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
        "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done",
        "response.completed"), types);
    assertTrue(body.contains("\"text\":\"Hello\""), body);
    given().when().get("/v1/conversations/" + id + "/items").then().statusCode(200).body("data", hasSize(2));
  }

  @Test
  void aGenerationThatFailsRecordsNothing() {
    model.failMidway = true;
    String id = conversation();
    String body = given().contentType(ContentType.JSON)
        .body("{\"conversation\":\"" + id + "\",\"input\":\"hi\",\"stream\":true}")
        .when().post("/v1/responses")
        .then().statusCode(200).extract().asString();
    assertTrue(body.contains("event: error\n"), body);
    assertTrue(!body.contains("response.completed"), body);
    given().contentType(ContentType.JSON).body("{\"conversation\":\"" + id + "\",\"input\":\"hi\"}")
        .when().post("/v1/responses")
        .then().statusCode(500).body("error.message", equalTo("the language model failed: boom"));
    given().when().get("/v1/conversations/" + id + "/items").then().statusCode(200).body("data", hasSize(0));
  }

  @Test
  void storeFalseAnswersWithoutRecording() {
    String id = conversation();
    given().contentType(ContentType.JSON).body("{\"conversation\":\"" + id + "\",\"input\":\"hi\",\"store\":false}")
        .when().post("/v1/responses")
        .then().statusCode(200).body("store", equalTo(false));
    given().when().get("/v1/conversations/" + id + "/items").then().statusCode(200).body("data", hasSize(0));
  }

  @Test
  void anotherModelNameIs404() {
    given().contentType(ContentType.JSON).body("{\"model\":\"gpt-4o\",\"input\":\"hi\"}")
        .when().post("/v1/responses")
        .then().statusCode(404).body("error.param", equalTo("model"));
  }
}
