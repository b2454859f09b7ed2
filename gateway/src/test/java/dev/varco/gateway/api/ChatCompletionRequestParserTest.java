package dev.varco.gateway.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.gateway.chat.ChatLimits;
import dev.varco.gateway.chat.ChatMessage;
import dev.varco.gateway.chat.ChatPart;
import dev.varco.gateway.chat.ChatTurnRules;
import dev.varco.gateway.chat.InvalidRequestException;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ChatCompletionRequestParserTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0};

  private final ChatCompletionRequestParser parser = new ChatCompletionRequestParser(new ChatTurnRules(new ChatLimits() {
    public long maxBodyBytes() { return 1 << 20; }
    public int maxImages() { return 2; }
    public int maxImageBytes() { return 64; }
    public int maxMessages() { return 4; }
    public int maxCompletionTokens() { return 100; }
  }));

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
    assertEquals(7, request.turn().maxTokens());
    assertEquals(42L, request.turn().seed().getAsLong());
    assertEquals(0.0, request.turn().temperature());
    ChatMessage user = request.turn().messages().get(1);
    assertEquals(ChatMessage.Role.USER, user.role());
    assertArrayEquals(PNG_MAGIC, ((ChatPart.Image) user.parts().get(0)).bytes());
    assertEquals("무엇?", ((ChatPart.Text) user.parts().get(1)).text());
  }

  @Test
  void maxCompletionTokensWinsOverMaxTokens() throws Exception {
    var request = parse("""
        {"max_tokens":5,"max_completion_tokens":9,"messages":[{"role":"user","content":"hi"}]}""");
    assertEquals(9, request.turn().maxTokens());
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
}
