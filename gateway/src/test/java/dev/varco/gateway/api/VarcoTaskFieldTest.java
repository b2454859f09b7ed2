package dev.varco.gateway.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.gateway.chat.ChatMessage;
import dev.varco.gateway.chat.ChatPart;
import dev.varco.gateway.chat.InvalidRequestException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The varco_task extension of chat completions: parsing, the rewritten turn, and refusals naming the field. */
class VarcoTaskFieldTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ChatCompletionRequestParser parser = new ChatCompletionRequestParser(TestRules.withImageBytes(1 << 16));

  private static byte[] png(int width, int height) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), "png", out);
    return out.toByteArray();
  }

  private static String body(String task, String text, byte[] image) {
    String imagePart = image == null ? "" : """
        {"type":"image_url","image_url":{"url":"data:image/png;base64,%s"}},""".formatted(Base64.getEncoder().encodeToString(image));
    return """
        {"messages":[{"role":"user","content":"earlier"},{"role":"assistant","content":"ok"},
                     {"role":"user","content":[%s{"type":"text","text":"%s"}]}],
         "varco_task": %s}""".formatted(imagePart, text, task);
  }

  private ChatCompletionRequest parse(String body) throws Exception {
    return parser.parse(JSON.readTree(body));
  }

  private InvalidRequestException refused(String body) {
    return assertThrows(InvalidRequestException.class, () -> parse(body));
  }

  @Test
  void groundingRewritesTheLastUserMessage() throws Exception {
    byte[] image = png(40, 30);
    ChatCompletionRequest request = parse(body("{\"type\":\"grounding\"}", "고양이를 찾아줘", image));
    assertEquals("grounding", request.task().taskName());
    assertEquals(40, request.task().imageSize().width());
    assertEquals(30, request.task().imageSize().height());
    assertEquals(3, request.turn().messages().size(), "earlier messages are kept");
    ChatMessage last = request.turn().messages().getLast();
    assertArrayEquals(image, ((ChatPart.Image) last.parts().get(0)).bytes());
    assertEquals("<gro>\n고양이를 찾아줘", ((ChatPart.Text) last.parts().get(1)).text());
  }

  @Test
  void referringTakesAPixelBoxOfTheOriginalImage() throws Exception {
    ChatCompletionRequest request = parse(body("""
        {"type":"referring","phrase":"이 물건","box":{"x1":10,"y1":3,"x2":20,"y2":15,"units":"pixels"}}""",
        "은 무엇인가요?", png(40, 30)));
    ChatPart.Text prompt = (ChatPart.Text) request.turn().messages().getLast().parts().get(1);
    assertEquals("<obj>이 물건</obj><bbox>0.25, 0.1, 0.5, 0.5</bbox>은 무엇인가요?", prompt.text());
  }

  @Test
  void noTaskLeavesTheTurnAlone() throws Exception {
    ChatCompletionRequest request = parse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertNull(request.task());
  }

  @Test
  void refusalsNameTheField() throws Exception {
    byte[] image = png(8, 8);
    assertEquals("varco_task.type", refused(body("{\"type\":\"caption\"}", "x", image)).param());
    assertEquals("varco_task", refused(body("\"ocr\"", "", image)).param());
    assertEquals("varco_task.box", refused(body("{\"type\":\"referring\"}", "what?", image)).param());
    assertEquals("varco_task.box.units",
        refused(body("{\"type\":\"referring\",\"box\":{\"x1\":0,\"y1\":0,\"x2\":1,\"y2\":1}}", "what?", image)).param());
    assertEquals("varco_task.box.x2", refused(body(
        "{\"type\":\"referring\",\"box\":{\"x1\":0,\"y1\":0,\"x2\":9,\"y2\":1,\"units\":\"pixels\"}}", "what?", image)).param());
    assertEquals("messages[2].content", refused(body("{\"type\":\"ocr\"}", "please read", image)).param());
    InvalidRequestException noImage = refused(body("{\"type\":\"grounding\"}", "find it", null));
    assertEquals("messages", noImage.param());
    assertTrue(noImage.getMessage().contains("exactly one image"), noImage.getMessage());
  }
}
