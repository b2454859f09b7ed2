package dev.varco.system;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.isOneOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** One chat turn through the OpenAI-compatible API of a real gateway, llm-service and vision-service. */
@ExtendWith(RunningStack.class)
class ChatCompletionsSystemTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String url() {
    return RunningStack.get().gatewayUrl() + "/v1/chat/completions";
  }

  static String imageTurn(String question, String dataUrl, boolean stream, int maxTokens) {
    return """
        {"stream": %s, "temperature": 0, "max_tokens": %d,
         "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "%s"}},
            {"type": "text", "text": %s}]}]}
        """.formatted(stream, maxTokens, dataUrl, quote(question));
  }

  static String textTurn(String question, boolean stream, int maxTokens) {
    return """
        {"stream": %s, "temperature": 0, "max_tokens": %d,
         "messages": [{"role": "system", "content": "You are a helpful assistant."},
                      {"role": "user", "content": %s}]}
        """.formatted(stream, maxTokens, quote(question));
  }

  static String quote(String text) {
    try {
      return JSON.writeValueAsString(text);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * llama.cpp's {@code cache_prompt} reaches llm-service: a repeated prompt reuses the KV cache of
   * the first (cached_tokens), the same prompt with {@code cache_prompt: false} is prefilled whole,
   * and the greedy answer is the same either way.
   */
  @Test
  void cachePromptFalsePrefillsTheWholePromptWithTheSameAnswer() {
    String question = "Tell me about the Han river, please, in a few words.";
    String body = textTurn(question, false, 4);
    String uncached = body.replaceFirst("\\{", "{\"cache_prompt\": false, ");
    Response first = given().contentType(ContentType.JSON).body(body).when().post(url());
    first.then().statusCode(200);
    Response repeated = given().contentType(ContentType.JSON).body(body).when().post(url());
    Response without = given().contentType(ContentType.JSON).body(uncached).when().post(url());
    int prompt = repeated.path("usage.prompt_tokens");
    int reused = repeated.path("usage.prompt_tokens_details.cached_tokens");
    assertTrue(reused >= prompt - 1 && reused > 0, "the repeat reuses all but the last position: " + reused + "/" + prompt);
    assertEquals(0, (int) without.path("usage.prompt_tokens_details.cached_tokens"), without.asString());
    String answer = first.path("choices[0].message.content");
    assertEquals(answer, repeated.path("choices[0].message.content"));
    assertEquals(answer, without.path("choices[0].message.content"));
  }

  @Test
  void englishTextTurnReturnsOneCompletion() {
    given().contentType(ContentType.JSON).body(textTurn("What is the capital of Korea?", false, 8))
        .when().post(url())
        .then().statusCode(200)
        .body("object", equalTo("chat.completion"))
        .body("choices[0].message.role", equalTo("assistant"))
        .body("choices[0].finish_reason", isOneOf("stop", "length"))
        .body("usage.prompt_tokens", greaterThan(10))
        .body("usage.total_tokens", greaterThan(10));
  }

  @Test
  void koreanImageTurnStreamsTheSameAnswerAsTheJsonResponse() throws Exception {
    String image = TestImages.dataUrl("image/png", TestImages.png(640, 480));
    String question = "이 이미지에 무엇이 있나요?";
    JsonNode whole = JSON.readTree(given().contentType(ContentType.JSON).body(imageTurn(question, image, false, 12))
        .when().post(url()).then().statusCode(200).extract().asString());

    Response streamed = given().contentType(ContentType.JSON).body(imageTurn(question, image, true, 12))
        .when().post(url());
    assertEquals(200, streamed.statusCode());
    assertTrue(streamed.contentType().startsWith("text/event-stream"), streamed.contentType());
    List<JsonNode> chunks = sseChunks(streamed.asString());

    assertEquals("assistant", chunks.getFirst().at("/choices/0/delta/role").asText());
    StringBuilder text = new StringBuilder();
    String finishReason = null;
    for (JsonNode chunk : chunks) {
      assertEquals("chat.completion.chunk", chunk.get("object").asText());
      text.append(chunk.at("/choices/0/delta/content").asText(""));
      if (!chunk.at("/choices/0/finish_reason").isNull() && !chunk.at("/choices/0/finish_reason").isMissingNode()) {
        finishReason = chunk.at("/choices/0/finish_reason").asText();
      }
    }
    assertEquals(whole.at("/choices/0/message/content").asText(), text.toString(),
        "greedy streaming and non-streaming answers must be identical");
    assertEquals(whole.at("/choices/0/finish_reason").asText(), finishReason);
    assertFalse(text.toString().contains("\uFFFD"), "a delta split a UTF-8 character");
  }

  @Test
  void theGatewayCountsWhatItsClientsSee() {
    given().contentType(ContentType.JSON).body(textTurn("Count me in the metrics.", true, 4))
        .when().post(url()).then().statusCode(200);
    given().contentType(ContentType.JSON).body("{\"messages\": []}").when().post(url()).then().statusCode(400);
    assertTrue(StackMetrics.gateway("varco_gateway_time_to_first_token_seconds_count{api=\"rest\"}") >= 1, "client-side TTFT");
    assertTrue(StackMetrics.gateway("varco_gateway_completion_tokens_total{api=\"rest\"}") >= 1, "tokens");
    assertTrue(StackMetrics.gateway("varco_gateway_errors_total{api=\"rest\",status=\"400\",type=\"invalid_request_error\"}") >= 1,
        "errors by status and type");
  }

  @Test
  void streamWithIncludeUsageEndsWithAUsageChunk() throws Exception {
    String body = """
        {"stream": true, "stream_options": {"include_usage": true}, "temperature": 0, "max_tokens": 4,
         "messages": [{"role": "user", "content": "Hello"}]}""";
    List<JsonNode> chunks = sseChunks(given().contentType(ContentType.JSON).body(body).when().post(url())
        .then().statusCode(200).extract().asString());
    JsonNode last = chunks.getLast();
    assertEquals(0, last.get("choices").size());
    assertTrue(last.at("/usage/prompt_tokens").asInt() > 0);
    assertEquals(last.at("/usage/prompt_tokens").asInt() + last.at("/usage/completion_tokens").asInt(),
        last.at("/usage/total_tokens").asInt());
  }

  @Test
  void jpegImagesAreAccepted() {
    given().contentType(ContentType.JSON)
        .body(imageTurn("Describe the picture.", TestImages.dataUrl("image/jpeg", TestImages.jpeg(500, 800)), false, 4))
        .when().post(url())
        .then().statusCode(200)
        .body("usage.prompt_tokens", greaterThan(1485));
  }

  @Test
  void badRequestsGet400WithAnOpenAiErrorAndTheNextRequestSucceeds() {
    byte[] corruptPng = TestImages.png(64, 64);
    for (int i = 40; i < corruptPng.length; i++) {
      corruptPng[i] = (byte) (i * 31);
    }
    given().contentType(ContentType.JSON).body(imageTurn("What?", TestImages.dataUrl("image/png", corruptPng), false, 4))
        .when().post(url())
        .then().statusCode(400)
        .body("error.type", equalTo("invalid_request_error"))
        .body("error.message", containsString("image"))
        // vision-service's refusal, relayed by llm-service, names the content part holding the image.
        .body("error.param", equalTo("messages[0].content[0]"));

    given().contentType(ContentType.JSON)
        .body(imageTurn("What?", "data:image/png;base64,SGVsbG8sIHdvcmxkIQ==", true, 4))
        .when().post(url())
        .then().statusCode(400)
        .body("error.message", containsString("image"));

    given().contentType(ContentType.JSON)
        .body(imageTurn("What?", "data:text/plain;base64,SGVsbG8=", false, 4))
        .when().post(url())
        .then().statusCode(400)
        .body("error.message", containsString("not an image"));

    given().contentType(ContentType.JSON).body("{\"model\": \"x\", \"stream\": false}")
        .when().post(url())
        .then().statusCode(400)
        .body("error.param", equalTo("messages"));

    given().contentType(ContentType.JSON).body("{\"messages\": [{\"role\": \"user\", ")
        .when().post(url())
        .then().statusCode(400)
        .body("error.message", containsString("not valid JSON"));

    given().contentType(ContentType.JSON)
        .body(imageTurn("그림을 설명해 주세요.", TestImages.dataUrl("image/png", TestImages.png(300, 200)), false, 4))
        .when().post(url())
        .then().statusCode(200)
        .body("choices[0].message.role", equalTo("assistant"));
  }

  @Test
  void modelsListsTheServedModel() {
    String name = given().when().get(RunningStack.get().gatewayUrl() + "/v1/models")
        .then().statusCode(200)
        .body("object", equalTo("list"))
        .body("data[0].object", equalTo("model"))
        .extract().path("data[0].id");
    assertNotNull(name);
    given().contentType(ContentType.JSON)
        .body("{\"model\": \"no-such-model\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")
        .when().post(url())
        .then().statusCode(404)
        .body("error.code", equalTo("model_not_found"));
    given().contentType(ContentType.JSON)
        .body("{\"model\": " + quote(name) + ", \"max_tokens\": 2, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}")
        .when().post(url())
        .then().statusCode(200);
  }

  /** The JSON payloads of an SSE body, checking the framing and the closing [DONE]. */
  static List<JsonNode> sseChunks(String body) throws Exception {
    List<JsonNode> chunks = new ArrayList<>();
    String[] events = body.split("\n\n");
    assertEquals("data: [DONE]", events[events.length - 1].strip(), "the stream must end with [DONE]");
    for (int i = 0; i < events.length - 1; i++) {
      String event = events[i].strip();
      assertTrue(event.startsWith("data: "), "not an SSE data line: " + event);
      JsonNode chunk = JSON.readTree(event.substring("data: ".length()));
      assertFalse(chunk.has("error"), "the stream reported an error: " + chunk);
      chunks.add(chunk);
    }
    return chunks;
  }
}
