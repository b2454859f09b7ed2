package dev.varco.gateway.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of {@link TaskOutputParser}: mutations and concatenations of valid answers, and
 * random tag soup. Whatever the input, parsing returns, every box it reports is valid and the text
 * is no longer than the input.
 */
class TaskOutputParserFuzzTest {
  private static final int RUNS = 20_000;
  private static final List<String> VALID = List.of(
      TaskOutputParserTest.GROUNDING,
      TaskOutputParserTest.OCR,
      "<obj>이 물건</obj><bbox>0.039, 0.138, 0.283, 0.257</bbox>은 리모컨입니다.",
      "<char>Park</char><bbox>0.564, 0.681, 0.611, 0.723<delim>0.0, 0.0, 1.0, 1.0</bbox>");
  private static final List<String> PIECES = List.of(
      "<gro>", "<ocr>", "<char>", "</char>", "<obj>", "</obj>", "<bbox>", "</bbox>", "<delim>",
      "<", ">", "</", "<obj", "bbox>", ",", ", ", " ", "\n", "0", "1", "0.5", "0.999", "1.0", "-0.2", "1.5",
      "NaN", "Infinity", "-Infinity", "1e999", "1e-999", "0x1p1", "e", ".", "+", "-", "cat", "이 물건",
      "😀", "\uD83D", "\uDE00", "\u0000", "<b>", "0.1, 0.2, 0.3, 0.4", "0.4, 0.3, 0.2, 0.1");

  @Test
  void neverThrowsAndOnlyReportsValidBoxes() {
    Random random = new Random(20261126L);
    int withBoxes = 0;
    for (int run = 0; run < RUNS; run++) {
      String input = switch (run % 3) {
        case 0 -> mutate(random, VALID.get(random.nextInt(VALID.size())));
        case 1 -> mutate(random, VALID.get(random.nextInt(VALID.size())) + VALID.get(random.nextInt(VALID.size())));
        default -> soup(random, random.nextInt(60));
      };
      ImageSize size = new ImageSize(1 + random.nextInt(5000), 1 + random.nextInt(5000));
      TaskOutput out;
      try {
        out = TaskOutputParser.parse(input, size);
      } catch (RuntimeException e) {
        throw new AssertionError("run " + run + " threw on " + quoted(input), e);
      }
      check(out, input, size, run);
      withBoxes += out.phrases().isEmpty() && out.ocrLines().isEmpty() ? 0 : 1;
    }
    assertTrue(withBoxes > RUNS / 4, "the mutations should leave many answers with valid boxes: " + withBoxes);
  }

  private static void check(TaskOutput out, String input, ImageSize size, int run) {
    String where = "run " + run + ": " + quoted(input);
    assertTrue(out.text().length() <= input.length(), where);
    assertTrue(out.skipped().size() <= TaskOutputParser.MAX_REPORTS, where);
    assertTrue(out.skippedCount() >= out.skipped().size(), where);
    for (SkippedFragment skipped : out.skipped()) {
      assertTrue(skipped.offset() >= 0 && skipped.offset() <= input.length(), where);
      assertTrue(skipped.fragment().length() <= TaskOutputParser.FRAGMENT_CHARS + 1, where);
    }
    for (List<LocatedText> located : List.of(out.phrases(), out.ocrLines())) {
      for (LocatedText item : located) {
        assertEquals(item.text(), out.text().substring(item.start(), item.end()), where);
        assertFalse(item.text().isBlank(), where);
        assertFalse(item.boxes().isEmpty(), where);
        for (LocatedBox box : item.boxes()) {
          NormalizedBox n = box.normalized();
          assertTrue(0 <= n.x1() && n.x1() <= n.x2() && n.x2() <= 1 && 0 <= n.y1() && n.y1() <= n.y2() && n.y2() <= 1, where);
          PixelBox p = box.pixels();
          assertTrue(0 <= p.x1() && p.x1() <= p.x2() && p.x2() <= size.width(), where);
          assertTrue(0 <= p.y1() && p.y1() <= p.y2() && p.y2() <= size.height(), where);
        }
      }
    }
  }

  private static String mutate(Random random, String s) {
    StringBuilder b = new StringBuilder(s);
    int mutations = 1 + random.nextInt(6);
    for (int m = 0; m < mutations; m++) {
      int at = random.nextInt(b.length() + 1);
      switch (random.nextInt(6)) {
        case 0 -> b.delete(at, Math.min(b.length(), at + 1 + random.nextInt(12)));
        case 1 -> b.insert(at, PIECES.get(random.nextInt(PIECES.size())));
        case 2 -> {
          int end = Math.min(b.length(), at + random.nextInt(40));
          b.insert(random.nextInt(b.length() + 1), b.substring(at, end));
        }
        case 3 -> b.setLength(at);
        case 4 -> {
          if (at < b.length()) {
            b.setCharAt(at, (char) random.nextInt(0x10000));
          }
        }
        default -> {
          if (at < b.length()) {
            b.setCharAt(at, "0123456789.,-<>/ \n".charAt(random.nextInt(18)));
          }
        }
      }
    }
    return b.toString();
  }

  private static String soup(Random random, int pieces) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < pieces; i++) {
      b.append(PIECES.get(random.nextInt(PIECES.size())));
    }
    return b.toString();
  }

  private static String quoted(String s) {
    return "\"" + s.replace("\n", "\\n") + "\"";
  }
}
