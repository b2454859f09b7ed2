package dev.varco.gateway.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.gateway.chat.ChatMessage;
import dev.varco.gateway.chat.ChatPart;
import dev.varco.gateway.chat.InvalidRequestException;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatCompletionRequestParserTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0};

  private final ChatCompletionRequestParser parser = new ChatCompletionRequestParser(TestRules.small());

  private ChatCompletionRequest parse(String body) throws Exception {
    return parser.parse(JSON.readTree(body));
  }

  private InvalidRequestException refused(String body) {
    return assertThrows(InvalidRequestException.class, () -> parse(body));
  }

  private static String dataUrl(String type, byte[] bytes) {
    return "data:" + type + ";base64," + Base64.getEncoder().encodeToString(bytes);
  }

  @Test
  void parsesTextAndImagePartsInOrder() throws Exception {
    var request = parse("""
        {"model":"m","stream":true,"stream_options":{"include_usage":true},"temperature":0,"max_tokens":7,"seed":42,
         "messages":[{"role":"system","content":"be brief"},
                     {"role":"user","content":[{"type":"image_url","image_url":{"url":"%s"}},{"type":"text","text":"무엇?"}]}]}
        """.formatted(dataUrl("image/png", PNG_MAGIC)));
    assertEquals("m", request.model());
    assertTrue(request.stream());
    assertTrue(request.includeUsage());
    assertEquals(7, request.turn().sampling().maxTokens());
    assertEquals(42L, request.turn().sampling().seed().getAsLong());
    assertEquals(0.0, request.turn().sampling().temperature());
    ChatMessage user = request.turn().messages().get(1);
    assertEquals(ChatMessage.Role.USER, user.role());
    assertArrayEquals(PNG_MAGIC, ((ChatPart.Image) user.parts().get(0)).bytes());
    assertEquals("무엇?", ((ChatPart.Text) user.parts().get(1)).text());
  }

  @Test
  void maxCompletionTokensWinsOverMaxTokens() throws Exception {
    var request = parse("""
        {"max_tokens":5,"max_completion_tokens":9,"messages":[{"role":"user","content":"hi"}]}""");
    assertEquals(9, request.turn().sampling().maxTokens());
  }

  @Test
  void cachePromptIsLlamaCppsExtensionDefaultingToReuse() throws Exception {
    assertTrue(parse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").turn().cachePrompt());
    assertFalse(parse("{\"cache_prompt\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
        .turn().cachePrompt());
    assertEquals("cache_prompt",
        refused("{\"cache_prompt\":\"no\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").param());
  }

  @Test
  void refusesMissingMessages() {
    var e = refused("{\"model\":\"m\"}");
    assertEquals("messages", e.param());
    assertTrue(e.getMessage().contains("'messages' is required"), e.getMessage());
  }

  @Test
  void refusesBadRolesAndContent() {
    assertEquals("messages[0].role", refused("{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}").param());
    assertEquals("messages[0].content", refused("{\"messages\":[{\"role\":\"user\",\"content\":5}]}").param());
    assertEquals("messages[0].content[0].type",
        refused("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"audio\"}]}]}").param());
    assertEquals("messages", refused("{\"messages\":[{\"role\":\"assistant\",\"content\":\"x\"}]}").param());
  }

  @Test
  void refusesImagesThatAreNotPngOrJpegDataUrls() {
    String part = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"%s\"}}]}]}";
    assertTrue(refused(part.formatted("https://example.invalid/cat.png")).getMessage().contains("only data: URLs"));
    assertTrue(refused(part.formatted(dataUrl("text/plain", "hello".getBytes()))).getMessage().contains("not an image"));
    assertTrue(refused(part.formatted(dataUrl("image/gif", PNG_MAGIC))).getMessage().contains("image/gif"));
    assertTrue(refused(part.formatted("data:image/png;base64,@@@@")).getMessage().contains("not valid base64"));
    assertTrue(refused(part.formatted(dataUrl("image/png", new byte[65]))).getMessage().contains("max-image-bytes"));
  }

  @Test
  void enforcesConfiguredLimits() {
    String image = "{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + dataUrl("image/png", PNG_MAGIC) + "\"}}";
    var tooManyImages = refused("{\"messages\":[{\"role\":\"user\",\"content\":[" + image + "," + image + "," + image + "]}]}");
    assertTrue(tooManyImages.getMessage().contains("max-images"), tooManyImages.getMessage());
    var tooManyMessages = refused("{\"messages\":[" + "{\"role\":\"user\",\"content\":\"x\"},".repeat(4)
        + "{\"role\":\"user\",\"content\":\"x\"}]}");
    assertTrue(tooManyMessages.getMessage().contains("max-messages"), tooManyMessages.getMessage());
    assertEquals("max_tokens", refused("{\"max_tokens\":101,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").param());
    assertEquals("temperature", refused("{\"temperature\":3,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").param());
    assertEquals("n", refused("{\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").param());
    assertEquals("seed", refused("{\"seed\":1.5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").param());
  }

  /**
   * Text over the character caps is a context overflow found without tokenizing: OpenAI's
   * {@code context_length_exceeded} naming the message where the cap was passed.
   */
  @Test
  void textOverTheCharacterCapsIsAContextOverflow() throws Exception {
    String atCap = "가".repeat(1000);
    parse("{\"messages\":[{\"role\":\"user\",\"content\":\"" + atCap + "\"}]}");
    var message = refused("{\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\","
        + "\"content\":[{\"type\":\"text\",\"text\":\"" + atCap + "\"},{\"type\":\"text\",\"text\":\"!\"}]}]}");
    assertEquals("messages[1].content", message.param());
    assertEquals("context_length_exceeded", message.code());
    assertTrue(message.getMessage().contains("1001 characters") && message.getMessage().contains("varco.gateway.max-message-chars"),
        message.getMessage());
    String eight = "x".repeat(800);
    var request = refused("{\"messages\":[{\"role\":\"user\",\"content\":\"" + eight + "\"},"
        + "{\"role\":\"assistant\",\"content\":\"" + eight + "\"},{\"role\":\"user\",\"content\":\"next\"}]}");
    assertEquals("messages[1].content", request.param(), "where the request passed its cap");
    assertEquals("context_length_exceeded", request.code());
    assertTrue(request.getMessage().contains("varco.gateway.max-request-chars"), request.getMessage());
  }

  private static String withUser(String fields) {
    return "{" + fields + (fields.isEmpty() ? "" : ",") + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
  }

  private String refusedParam(String fields) {
    return refused(withUser(fields)).param();
  }

  @Test
  void decodingControlsAreUnsetByDefault() throws Exception {
    var sampling = parse(withUser("")).turn().sampling();
    assertEquals(1.0, sampling.temperature());
    assertEquals(0, sampling.maxTokens());
    assertTrue(sampling.seed().isEmpty());
    assertTrue(sampling.topP().isEmpty());
    assertEquals(0, sampling.topK());
    assertEquals(0.0, sampling.minP());
    assertTrue(sampling.repetitionPenalty().isEmpty());
    assertEquals(0.0, sampling.presencePenalty());
    assertEquals(0.0, sampling.frequencyPenalty());
    assertEquals(List.of(), sampling.stop());
    assertFalse(sampling.logprobs());
    assertEquals(0, sampling.topLogprobs());
  }

  @Test
  void parsesEveryDecodingControl() throws Exception {
    var sampling = parse(withUser("""
        "temperature":0.7,"top_p":0.9,"top_k":40,"min_p":0.05,"repetition_penalty":1.1,
        "presence_penalty":-0.5,"frequency_penalty":2,"stop":["\\n\\n","END"],"logprobs":true,"top_logprobs":20,
        "seed":-3,"user":"someone\"""")).turn().sampling();
    assertEquals(0.7, sampling.temperature());
    assertEquals(0.9, sampling.topP().getAsDouble());
    assertEquals(40, sampling.topK());
    assertEquals(0.05, sampling.minP());
    assertEquals(1.1, sampling.repetitionPenalty().getAsDouble());
    assertEquals(-0.5, sampling.presencePenalty());
    assertEquals(2.0, sampling.frequencyPenalty());
    assertEquals(List.of("\n\n", "END"), sampling.stop());
    assertTrue(sampling.logprobs());
    assertEquals(20, sampling.topLogprobs());
    assertEquals(-3L, sampling.seed().getAsLong());
  }

  @Test
  void stopMayBeOneStringNullOrUpToFourStrings() throws Exception {
    assertEquals(List.of("###"), parse(withUser("\"stop\":\"###\"")).turn().sampling().stop());
    assertEquals(List.of(), parse(withUser("\"stop\":null")).turn().sampling().stop());
    assertEquals(List.of("a", "b", "c", "d"), parse(withUser("\"stop\":[\"a\",\"b\",\"c\",\"d\"]")).turn().sampling().stop());
    var five = refused(withUser("\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]"));
    assertEquals("stop", five.param());
    assertTrue(five.getMessage().contains("at most 4"), five.getMessage());
    assertEquals("stop", refusedParam("\"stop\":[\"a\",1]"));
    assertEquals("stop", refusedParam("\"stop\":{}"));
    assertEquals("stop", refusedParam("\"stop\":\"\""));
  }

  @Test
  void topKMinusOneMeansOff() throws Exception {
    assertEquals(0, parse(withUser("\"top_k\":-1")).turn().sampling().topK());
    assertEquals("top_k", refusedParam("\"top_k\":-2"));
    assertEquals("top_k", refusedParam("\"top_k\":1.5"));
  }

  @Test
  void rangesFollowOpenAi() throws Exception {
    for (String valid : List.of("\"temperature\":2", "\"top_p\":0", "\"top_p\":1", "\"min_p\":1", "\"presence_penalty\":-2",
        "\"frequency_penalty\":2", "\"repetition_penalty\":0.01", "\"top_logprobs\":0")) {
      parse(withUser(valid));
    }
    assertEquals("temperature", refusedParam("\"temperature\":-0.1"));
    assertEquals("temperature", refusedParam("\"temperature\":\"hot\""));
    assertEquals("top_p", refusedParam("\"top_p\":1.01"));
    assertEquals("top_p", refusedParam("\"top_p\":-0.5"));
    assertEquals("top_p", refusedParam("\"top_p\":\"0.5\""));
    assertEquals("min_p", refusedParam("\"min_p\":1.5"));
    assertEquals("repetition_penalty", refusedParam("\"repetition_penalty\":0"));
    assertEquals("presence_penalty", refusedParam("\"presence_penalty\":2.5"));
    assertEquals("frequency_penalty", refusedParam("\"frequency_penalty\":-3"));
    var message = refused(withUser("\"presence_penalty\":2.5")).getMessage();
    assertTrue(message.contains("between -2 and 2"), message);
  }

  @Test
  void topLogprobsNeedsLogprobsAndStaysWithinTwenty() throws Exception {
    assertEquals(3, parse(withUser("\"logprobs\":true,\"top_logprobs\":3")).turn().sampling().topLogprobs());
    var withoutLogprobs = refused(withUser("\"top_logprobs\":3"));
    assertEquals("top_logprobs", withoutLogprobs.param());
    assertTrue(withoutLogprobs.getMessage().contains("requires logprobs"), withoutLogprobs.getMessage());
    assertEquals("top_logprobs", refusedParam("\"logprobs\":true,\"top_logprobs\":21"));
    assertEquals("top_logprobs", refusedParam("\"logprobs\":true,\"top_logprobs\":-1"));
    assertEquals("logprobs", refusedParam("\"logprobs\":1"));
  }

  @Test
  void unsupportedFeaturesAreRefusedNamingTheParam() throws Exception {
    assertEquals("response_format", refusedParam("\"response_format\":{\"type\":\"json_object\"}"));
    assertEquals("response_format", refusedParam("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{}}"));
    assertEquals("response_format", refusedParam("\"response_format\":\"text\""));
    assertEquals("tools", refusedParam("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]"));
    assertEquals("tool_choice", refusedParam("\"tool_choice\":\"auto\""));
    assertEquals("functions", refusedParam("\"functions\":[{\"name\":\"f\"}]"));
    assertEquals("function_call", refusedParam("\"function_call\":\"auto\""));
    assertEquals("logit_bias", refusedParam("\"logit_bias\":{\"50256\":-100}"));
    assertEquals("n", refusedParam("\"n\":2"));
    assertEquals("user", refusedParam("\"user\":5"));
    // Their neutral values, and fields this server does not know, are accepted.
    parse(withUser("\"response_format\":{\"type\":\"text\"},\"tools\":[],\"tool_choice\":\"none\",\"logit_bias\":{},"
        + "\"n\":1,\"parallel_tool_calls\":false,\"store\":false,\"metadata\":{\"k\":\"v\"},\"some_future_field\":[1]"));
  }
}
