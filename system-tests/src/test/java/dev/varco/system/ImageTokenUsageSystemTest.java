package dev.varco.system;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.http.ContentType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code usage.prompt_tokens} of a turn with an image minus the same turn without it, for images
 * of many sizes and aspect ratios, against the LLaVA-OneVision reference counts. The counts come
 * from the fixture vision-service's tests check against, produced by an independent Python port of
 * transformers' {@code LlavaOnevisionProcessor._get_number_of_features}
 * (vision-service/src/test/python/anyres_token_counts.py).
 *
 * <p>The difference is the image token count plus one: the checkpoint's chat template writes
 * {@code "<image>\n"}, so an image adds its embedding rows and the newline after the placeholder.
 */
@ExtendWith(RunningStack.class)
class ImageTokenUsageSystemTest {
  private static final Path FIXTURE =
      Path.of("..", "vision-service", "src", "test", "resources", "fixtures", "anyres-token-counts.json");
  /** Largest side sent through the stack here; bigger sizes are covered by vision-service's own tests. */
  private static final int MAX_SIDE = 2304;
  /** vision-service's default varco.vision.max-image-aspect-ratio: longer strips are refused. */
  private static final double MAX_ASPECT_RATIO = 200;
  private static final String QUESTION = "What is in this picture?";

  private static List<JsonNode> cases;
  private static List<JsonNode> refusedStrips;

  @BeforeAll
  static void readFixture() throws Exception {
    JsonNode fixture = new ObjectMapper().readTree(FIXTURE.toFile());
    cases = new ArrayList<>();
    refusedStrips = new ArrayList<>();
    for (JsonNode c : fixture.get("cases")) {
      int width = c.get("width").asInt();
      int height = c.get("height").asInt();
      if (width > MAX_SIDE || height > MAX_SIDE) {
        continue;
      }
      (Math.max(width, height) > MAX_ASPECT_RATIO * Math.min(width, height) ? refusedStrips : cases).add(c);
    }
  }

  /** usage.prompt_tokens and usage.prompt_tokens_details.image_tokens of one turn. */
  private static int[] usage(String body) {
    var response = given().contentType(ContentType.JSON).body(body)
        .when().post(RunningStack.get().gatewayUrl() + "/v1/chat/completions")
        .then().statusCode(200).extract();
    return new int[] {response.path("usage.prompt_tokens"), response.path("usage.prompt_tokens_details.image_tokens")};
  }

  @Test
  void imageTurnsAddExactlyTheReferenceTokenCount() {
    int[] withoutImage = usage("""
        {"max_tokens": 1, "temperature": 0,
         "messages": [{"role": "user", "content": [{"type": "text", "text": "%s"}]}]}""".formatted(QUESTION));
    assertEquals(0, withoutImage[1]);
    assertTrue(cases.size() >= 20, "the fixture should offer at least 20 sizes up to " + MAX_SIDE + " px");
    List<String> mismatches = new ArrayList<>();
    for (JsonNode c : cases) {
      int width = c.get("width").asInt();
      int height = c.get("height").asInt();
      int expected = c.get("tokens").asInt();
      String image = TestImages.dataUrl("image/png", TestImages.png(width, height));
      int[] withImage = usage(ChatCompletionsSystemTest.imageTurn(QUESTION, image, false, 1));
      if (withImage[0] - withoutImage[0] != expected + 1 || withImage[1] != expected) {
        mismatches.add(width + "x" + height + ": expected " + expected + " image tokens, usage says "
            + (withImage[0] - withoutImage[0] - 1) + " by difference and " + withImage[1] + " in its details");
      }
    }
    assertEquals(List.of(), mismatches);
  }

  @Test
  void stripsBeyondTheAspectLimitAreRefusedWithA400() {
    assertTrue(!refusedStrips.isEmpty(), "the fixture should hold a strip beyond " + MAX_ASPECT_RATIO + ":1");
    for (JsonNode c : refusedStrips) {
      String image = TestImages.dataUrl("image/png", TestImages.png(c.get("width").asInt(), c.get("height").asInt()));
      given().contentType(ContentType.JSON).body(ChatCompletionsSystemTest.imageTurn(QUESTION, image, false, 1))
          .when().post(RunningStack.get().gatewayUrl() + "/v1/chat/completions")
          .then().statusCode(400)
          .body("error.message", org.hamcrest.Matchers.containsString("aspect ratio"));
    }
  }
}
