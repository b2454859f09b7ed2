package dev.varco.eval.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.varco.eval.data.Benchmark;
import dev.varco.eval.data.Item;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exact text each set's card (and VLMEvalKit) sends after the image. */
class PromptBuilderTest {
  private static final Map<String, String> OPTIONS = new LinkedHashMap<>();

  static {
    OPTIONS.put("A", "빨강");
    OPTIONS.put("B", "파랑");
    OPTIONS.put("C", "초록");
    OPTIONS.put("D", "노랑");
  }

  private static Item item(String hint) {
    return new Item("7", "공의 색은?", hint, OPTIONS, "B", "color", new byte[] {1}, null, null);
  }

  private static String card(Benchmark benchmark, Item item) {
    return new PromptBuilder(benchmark, PromptStyle.CARD).prompt(item);
  }

  @Test
  void cardPrompts() {
    assertEquals("힌트: 실내 사진\n질문: 공의 색은?\nOptions:\nA. 빨강\nB. 파랑\nC. 초록\nD. 노랑\n주어진 선택지 중 해당 옵션의 문자로 직접 답하세요.",
        card(Benchmark.K_MMBENCH, item("실내 사진")));
    assertEquals("질문: 공의 색은?\nOptions:\nA. 빨강\nB. 파랑\nC. 초록\nD. 노랑\n주어진 선택지 중 해당 옵션의 문자로 직접 답하세요.",
        card(Benchmark.K_MMBENCH, item(null)));
    assertEquals("공의 색은?\nA. 빨강\nB. 파랑\nC. 초록\nD. 노랑\n주어진 선택지 중 해당 옵션의 문자로 직접 답하세요.",
        card(Benchmark.K_SEED, item(null)));
    assertEquals("공의 색은?\nOptions: A: 빨강, B: 파랑, C: 초록, D: 노랑\n주어진 선택지 중 해당 옵션의 문자로 직접 답하세요.",
        card(Benchmark.K_DTCBENCH, item(null)));
    Item star = new Item("1", "공의 색은?\nOptions: A: 빨강, B: 파랑", null, Map.of(), "A", "", new byte[] {1}, null, null);
    assertEquals("공의 색은?\nOptions: A: 빨강, B: 파랑", card(Benchmark.K_MMSTAR, star));
    assertEquals("공의 색은?", card(Benchmark.K_LLAVA_W, item(null)));
  }

  @Test
  void vlmEvalKitPrompt() {
    assertEquals("Hint: 실내 사진\nQuestion: 공의 색은?\nOptions:\nA. 빨강\nB. 파랑\nC. 초록\nD. 노랑\n"
        + "Please select the correct answer from the options above. \n",
        new PromptBuilder(Benchmark.K_MMBENCH, PromptStyle.VLMEVALKIT).prompt(item("실내 사진")));
  }

  @Test
  void imagesGoAsDataUrlsOfTheirOwnType() {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10};
    assertEquals("data:image/png;base64,iVBORw0KGgo=", ImageDataUrl.of(png));
    assertEquals("image/jpeg", ImageDataUrl.mimeType(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff}));
  }

  @Test
  void gifAndBmpGoAsPngOfTheSamePixels() throws Exception {
    java.awt.image.BufferedImage picture = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(
        dev.varco.eval.data.SyntheticSets.png(20, 10)));
    for (String format : new String[] {"gif", "bmp"}) {
      java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
      javax.imageio.ImageIO.write(picture, format, file);
      String url = ImageDataUrl.of(file.toByteArray());
      assertEquals("data:image/png;base64,", url.substring(0, 22), format);
      java.awt.image.BufferedImage sent = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(
          java.util.Base64.getDecoder().decode(url.substring(22))));
      java.awt.image.BufferedImage original = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(file.toByteArray()));
      assertEquals(original.getWidth(), sent.getWidth());
      assertEquals(original.getRGB(3, 4), sent.getRGB(3, 4), format + " pixels kept");
    }
    byte[] broken = "GIF89a but truncated".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertEquals("data:image/gif;base64,", ImageDataUrl.of(broken).substring(0, 22), "unreadable: sent as it is, for the server to refuse");
  }
}
