package dev.varco.system;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * VARCO tasks through /v1/chat/completions on the real stack: the answer carries {@code varco_task}
 * with the parsed result, in JSON and in the last SSE chunk. The tiny model's answers are random
 * tokens, so this checks the result's shape and its consistency with the answer, never content.
 */
@ExtendWith(RunningStack.class)
class VarcoTaskSystemTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String taskTurn(String task, String question, boolean stream, int width, int height) {
    String image = TestImages.dataUrl("image/png", TestImages.png(width, height));
    return """
        {"stream": %s, "temperature": 0, "max_tokens": 12, "varco_task": %s,
         "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "%s"}},
            {"type": "text", "text": %s}]}]}
        """.formatted(stream, task, image, ChatCompletionsSystemTest.quote(question));
  }

  private static String post(String body, int status) {
    return given().contentType(ContentType.JSON).body(body)
        .when().post(RunningStack.get().gatewayUrl() + "/v1/chat/completions")
        .then().statusCode(status).extract().asString();
  }

  private static void assertResult(JsonNode result, String type, String answer, int width, int height) {
    assertEquals(type, result.path("type").asText());
    assertEquals(width, result.path("image").path("width").asInt());
    assertEquals(height, result.path("image").path("height").asInt());
    assertTrue(result.path("text").asText().length() <= answer.length(), "the plain text never grows");
    assertTrue(result.path("phrases").isArray() && result.path("ocr_lines").isArray() && result.path("skipped").isArray());
    assertTrue(result.path("skipped_count").asInt() >= result.path("skipped").size());
  }

  @Test
  void groundingAnswersCarryTheParsedResult() throws Exception {
    JsonNode body = JSON.readTree(post(taskTurn("{\"type\": \"grounding\"}", "사람을 찾아줘", false, 320, 200), 200));
    String answer = body.path("choices").get(0).path("message").path("content").asText();
    assertResult(body.path("varco_task"), "grounding", answer, 320, 200);
    // The task prompt (<gro> and a newline) is part of the prompt the model saw.
    assertTrue(body.path("usage").path("prompt_tokens_details").path("image_tokens").asInt() > 0);
  }

  @Test
  void referringWithAPixelBoxStreamsTheResultInTheLastChunk() throws Exception {
    String task = """
        {"type": "referring", "box": {"x1": 10, "y1": 20, "x2": 100, "y2": 120, "units": "pixels"}}""";
    String sse = post(taskTurn(task, "이건 뭐야?", true, 200, 150), 200);
    StringBuilder answer = new StringBuilder();
    JsonNode result = null;
    for (String line : sse.split("\n")) {
      if (!line.startsWith("data: {")) {
        continue;
      }
      JsonNode chunk = JSON.readTree(line.substring(6));
      JsonNode choice = chunk.path("choices").path(0);
      answer.append(choice.path("delta").path("content").asText(""));
      if (chunk.has("varco_task")) {
        result = chunk.get("varco_task");
        assertTrue(choice.path("finish_reason").isTextual(), "the result comes with the finish reason");
      }
    }
    assertTrue(result != null, "the stream carries varco_task");
    assertResult(result, "referring", answer.toString(), 200, 150);
  }

  @Test
  void aBoxOutsideTheImageIsA400NamingIt() throws Exception {
    String task = """
        {"type": "referring", "box": {"x1": 10, "y1": 20, "x2": 500, "y2": 120, "units": "pixels"}}""";
    JsonNode error = JSON.readTree(post(taskTurn(task, "이건 뭐야?", false, 200, 150), 400)).path("error");
    assertEquals("varco_task.box.x2", error.path("param").asText());
    assertEquals("invalid_request_error", error.path("type").asText());
  }
}
