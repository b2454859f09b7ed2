package dev.varco.gateway.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskOutputParserTest {
  private static final ImageSize SIZE = new ImageSize(640, 480);

  /** The grounding answer of VARCO-VISION-14B's model card. */
  static final String GROUNDING = "The image shows <obj>two cats</obj><bbox>0.014, 0.106, 0.51, 0.996<delim>0.51, 0.054, 0.996, 0.787</bbox>"
      + " lying on <obj>a pink blanket</obj><bbox>0.003, 0.231, 0.999, 0.999</bbox>. Both cats appear relaxed."
      + " There are <obj>two remote controls</obj><bbox>0.037, 0.141, 0.283, 0.253<delim>0.506, 0.171, 0.581, 0.295</bbox> near the cats.";

  /** The start of the model card's OCR answer. */
  static final String OCR = """
      <char>백범로</char><bbox>0.172, 0.266, 0.328, 0.341</bbox>
      <char>124번길</char><bbox>0.347, 0.266, 0.512, 0.341</bbox>
      <char>Baekbeom-ro</char><bbox>0.171, 0.337, 0.433, 0.392</bbox>""";

  private static TaskOutput parse(String output) {
    return TaskOutputParser.parse(output, SIZE);
  }

  private static void assertSkipped(TaskOutput out, String... reasons) {
    assertEquals(reasons.length, out.skippedCount(), out.skipped().toString());
    for (int i = 0; i < reasons.length; i++) {
      String reason = out.skipped().get(i).reason();
      assertTrue(reason.contains(reasons[i]), "expected '" + reasons[i] + "' in '" + reason + "'");
    }
  }

  /** Parses {@code input}, checks its plain text and skip reasons, and returns it for more checks. */
  private static TaskOutput assertParsed(String input, String text, String... reasons) {
    TaskOutput out = parse(input);
    assertEquals(text, out.text());
    assertSkipped(out, reasons);
    return out;
  }

  /** A single-box answer "<obj>cat</obj><bbox>{box}</bbox>" that must be skipped for {@code reason}. */
  private static void assertBadBox(String box, String reason) {
    TaskOutput out = assertParsed("a <obj>cat</obj><bbox>" + box + "</bbox>.", "a cat.", reason);
    assertEquals(List.of(), out.phrases());
  }

  @Test
  void groundingWithSeveralPhrasesAndDelimitedBoxes() {
    TaskOutput out = assertParsed(GROUNDING, "The image shows two cats lying on a pink blanket. Both cats appear relaxed."
        + " There are two remote controls near the cats.");
    assertEquals(List.of("two cats", "a pink blanket", "two remote controls"), out.phrases().stream().map(LocatedText::text).toList());
    assertEquals(List.of(2, 1, 2), out.phrases().stream().map(p -> p.boxes().size()).toList());
    LocatedBox first = out.phrases().get(0).boxes().get(0);
    assertEquals(new NormalizedBox(0.014, 0.106, 0.51, 0.996), first.normalized());
    // 0.014*640 = 8.96, 0.106*480 = 50.88, 0.51*640 = 326.4, 0.996*480 = 478.08
    assertEquals(new PixelBox(9, 51, 326, 478), first.pixels());
    assertEquals(new PixelBox(326, 26, 637, 378), out.phrases().get(0).boxes().get(1).pixels());
    for (LocatedText phrase : out.phrases()) {
      assertEquals(phrase.text(), out.text().substring(phrase.start(), phrase.end()));
    }
    assertEquals(List.of(), out.ocrLines());
  }

  @Test
  void ocrLinesInKoreanAndEnglish() {
    TaskOutput out = assertParsed(OCR, "백범로\n124번길\nBaekbeom-ro");
    assertEquals(List.of("백범로", "124번길", "Baekbeom-ro"), out.ocrLines().stream().map(LocatedText::text).toList());
    assertEquals(new NormalizedBox(0.347, 0.266, 0.512, 0.341), out.ocrLines().get(1).boxes().get(0).normalized());
    assertEquals(4, out.ocrLines().get(1).start());
    assertEquals(List.of(), out.phrases());
  }

  @Test
  void koreanGroundedPhraseAndZeroWidthBoxAreKept() {
    TaskOutput out = assertParsed("<obj>이 물건</obj><bbox>0.039, 0.138, 0.039, 0.257</bbox>은 리모컨입니다.", "이 물건은 리모컨입니다.");
    assertEquals(new PixelBox(25, 66, 25, 123), out.phrases().get(0).boxes().get(0).pixels());
  }

  @Test
  void unclosedPhraseKeepsItsText() {
    assertParsed("see <obj>a cat on the mat", "see a cat on the mat", "unclosed <obj> at the end");

    TaskOutput interrupted = assertParsed("<obj>a <obj>cat</obj><bbox>0.1, 0.1, 0.2, 0.2</bbox>", "a cat",
        "unclosed <obj>: <obj> came before </obj>");
    assertEquals("cat", interrupted.phrases().get(0).text());
  }

  @Test
  void nestedAndMismatchedTags() {
    TaskOutput out = assertParsed("<obj>sign <char>STOP</char><bbox>0.1, 0.1, 0.2, 0.2</bbox></obj><bbox>0.0, 0.0, 0.5, 0.5</bbox>!", "sign STOP!",
        "unclosed <obj>", "stray </obj>", "<bbox> without an <obj> or <char>");
    assertEquals("STOP", out.ocrLines().get(0).text());
    assertEquals(List.of(), out.phrases());

    assertParsed("<char>x</obj><bbox>0.1, 0.1, 0.2, 0.2</bbox>", "x",
        "unclosed <char>: </obj> came before </char>", "stray </obj>", "<bbox> without");
  }

  @Test
  void boxWithoutPhraseAndPhraseWithoutBox() {
    assertParsed("look <bbox>0.1, 0.1, 0.2, 0.2</bbox> here", "look  here", "<bbox> without");

    assertParsed("<obj>cat</obj> <bbox>0.1, 0.1, 0.2, 0.2</bbox>", "cat ", "without a <bbox> right after it", "<bbox> without");
  }

  @Test
  void unclosedBoxIsSkippedWhole() {
    assertParsed("the <obj>cat</obj><bbox>0.1, 0.2, 0.3, 0.4<delim>0.5, 0.", "the cat", "unclosed <bbox> at the end");

    TaskOutput newline = assertParsed("<char>a</char><bbox>0.1, 0.2, 0.3, 0.4\n<char>b</char><bbox>0.1, 0.2, 0.3, 0.4</bbox>", "a\nb",
        "unclosed <bbox>");
    assertEquals(List.of("b"), newline.ocrLines().stream().map(LocatedText::text).toList());
  }

  @Test
  void badNumbersAndBadBoxesAreSkippedWithTheReason() {
    assertBadBox("0.1, 0.2, 0.3", "expected 4 comma-separated numbers, found 3");
    assertBadBox("0.1, 0.2, 0.3, 0.4, 0.5", "found 5");
    assertBadBox("", "found 1");
    assertBadBox("0.1, , 0.3, 0.4", "y1 is empty");
    assertBadBox("0.1, abc, 0.3, 0.4", "y1 is not a number: abc");
    assertBadBox("NaN, 0.2, 0.3, 0.4", "x1 is not a number: NaN");
    assertBadBox("0.1, 0.2, Infinity, 0.4", "x2 is not a number");
    assertBadBox("0.1, 0.2, 0.3, 1e999", "y2 is not finite");
    assertBadBox("0x1p-2, 0.2, 0.3, 0.4", "x1 is not a number");
    assertBadBox("0.1, 0.2, 0.3, 0.4d", "y2 is not a number");
    assertBadBox("0.1.2, 0.2, 0.3, 0.4", "x1 is not a number");
    assertBadBox("0.1, 0.2, 0.3, " + "1".repeat(100), "y2 is not a number (100 chars)");
    assertBadBox("-0.1, 0.2, 0.3, 0.4", "x1 = -0.1 is outside 0..1");
    assertBadBox("0.1, 0.2, 1.3, 0.4", "x2 = 1.3 is outside 0..1");
    assertBadBox("0.5, 0.2, 0.3, 0.4", "x1 > x2");
    assertBadBox("0.1, 0.5, 0.3, 0.4", "y1 > y2");
  }

  @Test
  void oneBadBoxAmongDelimitedOnesKeepsTheGoodOnes() {
    TaskOutput out = parse("<obj>cats</obj><bbox>0.1, 0.1, 0.2, 0.2<delim>0.9, 0.1, 0.2, 0.2<delim> 0.3 ,0.3,0.4 , 0.4 </bbox>");
    assertEquals(2, out.phrases().get(0).boxes().size());
    assertEquals(new NormalizedBox(0.3, 0.3, 0.4, 0.4), out.phrases().get(0).boxes().get(1).normalized());
    assertSkipped(out, "x1 > x2");
    assertEquals("0.9, 0.1, 0.2, 0.2", out.skipped().get(0).fragment());
  }

  @Test
  void emptyPhrasesStrayTokensAndForeignTags() {
    assertEquals("", parse("").text());
    assertEquals("", parse(null).text());
    assertParsed("<obj> </obj><bbox>0.1, 0.1, 0.2, 0.2</bbox>", " ", "empty <obj> phrase");
    assertParsed("<gro>a</bbox>b<delim>c</char><ocr>", "abc", "input-only task token <gro>", "stray </bbox>",
        "stray <delim>", "stray </char>", "input-only task token <ocr>");
    String foreign = "a <b>bold</b> x<y <obj <bbox <";
    assertParsed(foreign, foreign);
  }

  @Test
  void reportsAreCappedAndFragmentsShortened() {
    TaskOutput many = parse("</obj>".repeat(1000));
    assertEquals(TaskOutputParser.MAX_REPORTS, many.skipped().size());
    assertEquals(1000, many.skippedCount());
    TaskOutput longOne = parse("<obj>" + "가".repeat(500));
    String fragment = longOne.skipped().get(0).fragment();
    assertEquals(TaskOutputParser.FRAGMENT_CHARS + 1, fragment.length());
    assertTrue(fragment.endsWith("…"));
    // a fragment is never cut inside a surrogate pair
    TaskOutput emoji = parse("<obj>" + "x".repeat(74) + "😀".repeat(10));
    String cut = emoji.skipped().get(0).fragment();
    assertTrue(!Character.isHighSurrogate(cut.charAt(cut.length() - 2)), cut);
  }

  /** Each takes well under a second; a quadratic scan of any of them would take hours, not 30 s. */
  @Test
  void megabyteInputsParseInLinearTime() {
    int mb = 1 << 20;
    List<String> inputs = List.of(
        "<obj>".repeat(mb / 5),
        "<obj>" + "a".repeat(mb),
        "<obj>a</obj><bbox>" + "0.1, 0.1, 0.2, 0.2<delim>".repeat(mb / 25) + "</bbox>",
        "<bbox>" + "<".repeat(mb),
        "<obj>cat</obj><bbox>0.1, 0.2, 0.3, 0.4</bbox> ".repeat(mb / 45),
        "<char>".repeat(mb / 12) + "</char>".repeat(mb / 14),
        "<".repeat(mb) + "</bbox",
        "<obj>a</obj><bbox>" + "0".repeat(mb) + "</bbox>");
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      for (String input : inputs) {
        TaskOutput out = parse(input);
        assertTrue(out.text().length() <= input.length());
      }
    });
    assertEquals(mb / 45, parse(inputs.get(4)).phrases().size());
    assertEquals(mb / 25, parse(inputs.get(2)).phrases().get(0).boxes().size());
  }
}
