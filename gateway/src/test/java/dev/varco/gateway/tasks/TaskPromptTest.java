package dev.varco.gateway.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.gateway.tasks.InputBox.Units;
import org.junit.jupiter.api.Test;

class TaskPromptTest {
  private static final ImageSize SIZE = new ImageSize(1000, 500);

  private static VarcoTask referring(double x1, double y1, double x2, double y2, Units units, String phrase) {
    return new VarcoTask.Referring(new InputBox(x1, y1, x2, y2, units), phrase);
  }

  private static InvalidTaskException refused(VarcoTask task, String text) {
    return assertThrows(InvalidTaskException.class, () -> TaskPrompt.userText(task, text, SIZE));
  }

  private static void assertRefusedBox(String param, double x1, double y1, double x2, double y2, Units units) {
    InvalidTaskException e = refused(referring(x1, y1, x2, y2, units, "it"), "what is it?");
    assertEquals(param, e.param(), e.getMessage());
  }

  @Test
  void ocrPromptIsTheTokenAlone() {
    assertEquals("<ocr>", TaskPrompt.userText(new VarcoTask.Ocr(), null, SIZE));
    assertEquals("<ocr>", TaskPrompt.userText(new VarcoTask.Ocr(), "  ", SIZE));
    assertEquals("text", refused(new VarcoTask.Ocr(), "read this").param());
  }

  @Test
  void groundingPromptIsGroNewlineAndTheRequest() {
    assertEquals("<gro>\nDescribe the image in detail.",
        TaskPrompt.userText(new VarcoTask.Grounding(), "Describe the image in detail.", SIZE));
    assertEquals("<gro>\n<b>bold</b> a < b", TaskPrompt.userText(new VarcoTask.Grounding(), "<b>bold</b> a < b", SIZE));
    assertEquals("text", refused(new VarcoTask.Grounding(), " ").param());
  }

  @Test
  void taskTokensInUserTextAreRefusedNotStripped() {
    InvalidTaskException e = refused(new VarcoTask.Grounding(), "find <bbox>0.1, 0.1, 0.2, 0.2</bbox>");
    assertEquals("text", e.param());
    assertTrue(e.getMessage().contains("<bbox>"), e.getMessage());
    for (String token : TaskTokens.ALL) {
      assertEquals("text", refused(new VarcoTask.Grounding(), "x" + token + "y").param(), token);
    }
    assertEquals("text", refused(referring(0.1, 0.1, 0.2, 0.2, Units.NORMALIZED, "it"), "is <delim> here").param());
    assertEquals("phrase", refused(referring(0.1, 0.1, 0.2, 0.2, Units.NORMALIZED, "<obj>it"), "what?").param());
  }

  @Test
  void referringWithNormalizedBoxMatchesTheModelCard() {
    assertEquals("<obj>이 물건</obj><bbox>0.039, 0.138, 0.283, 0.257</bbox>은 어떻게 쓰는거야?",
        TaskPrompt.userText(referring(0.039, 0.138, 0.283, 0.257, Units.NORMALIZED, "이 물건"), "은 어떻게 쓰는거야?", SIZE));
  }

  @Test
  void referringWithPixelBoxIsNormalizedByTheOriginalImageSize() {
    assertEquals("<obj>이 물건</obj><bbox>0.039, 0.138, 0.283, 0.257</bbox>은 뭐야?",
        TaskPrompt.userText(referring(39, 69, 283, 128.5, Units.PIXELS, "이 물건"), "은 뭐야?", SIZE));
    assertEquals("<obj>the whole image</obj><bbox>0.0, 0.0, 1.0, 1.0</bbox> is what?",
        TaskPrompt.userText(referring(0, 0, 1000, 500, Units.PIXELS, "the whole image"), " is what?", SIZE));
  }

  @Test
  void referringWithoutPhraseNamesTheRegionInTheRequestsLanguage() {
    assertEquals("<obj>this object</obj><bbox>0.1, 0.2, 0.3, 0.4</bbox>\nWhat is it used for?",
        TaskPrompt.userText(referring(0.1, 0.2, 0.3, 0.4, Units.NORMALIZED, null), "What is it used for?", SIZE));
    assertEquals("<obj>이 물건</obj><bbox>0.1, 0.2, 0.3, 0.4</bbox>\n어떻게 쓰는거야?",
        TaskPrompt.userText(referring(0.1, 0.2, 0.3, 0.4, Units.NORMALIZED, " "), "어떻게 쓰는거야?", SIZE));
  }

  @Test
  void coordinatesAreRoundedToThreeDecimalsLikePython() {
    // Python: round(1/3, 3) == 0.333, round(0.1235, 3) == 0.123 (binary value just below), round(0.0005, 3) == 0.001
    assertEquals("0.333, 0.123, 0.5, 1.0", new InputBox(1.0 / 3, 0.1235, 0.5, 1, Units.NORMALIZED).normalize(null).modelText());
    assertEquals("0.001, 0.268, 0.51, 0.996", new InputBox(0.0005, 0.2675, 0.51, 0.996, Units.NORMALIZED).normalize(null).modelText());
    assertEquals("0.0, 0.0, 0.001, 0.002", new NormalizedBox(0, -0.0, 0.001, 0.002).modelText());
  }

  @Test
  void invalidBoxesAreRefusedNamingTheField() {
    assertRefusedBox("box.x1", Double.NaN, 0.1, 0.2, 0.2, Units.NORMALIZED);
    assertRefusedBox("box.y2", 0.1, 0.1, 0.2, Double.POSITIVE_INFINITY, Units.NORMALIZED);
    assertRefusedBox("box.y1", 0.1, -0.1, 0.2, 0.2, Units.NORMALIZED);
    assertRefusedBox("box.x2", 0.1, 0.1, 1.2, 0.2, Units.NORMALIZED);
    assertRefusedBox("box.x2", 10, 10, 1001, 20, Units.PIXELS);
    assertRefusedBox("box.y2", 10, 10, 20, 500.5, Units.PIXELS);
    assertRefusedBox("box.x2", 0.3, 0.1, 0.2, 0.2, Units.NORMALIZED);
    assertRefusedBox("box.x2", 0.2, 0.1, 0.2, 0.2, Units.NORMALIZED);
    assertRefusedBox("box.y2", 0.1, 0.5, 0.2, 0.4, Units.NORMALIZED);
    assertRefusedBox("box.x2", 0.1, 0.1, 0.1004, 0.2, Units.NORMALIZED); // collapses when rounded
    assertRefusedBox("box.y2", 10, 100, 20, 100.2, Units.PIXELS); // 0.2 px of 500 rounds away
  }

  @Test
  void missingPartsAreRefused() {
    assertEquals("box", assertThrows(InvalidTaskException.class, () -> new VarcoTask.Referring(null, "it")).param());
    assertEquals("box.units", assertThrows(InvalidTaskException.class, () -> new InputBox(0, 0, 1, 1, null)).param());
    assertThrows(IllegalArgumentException.class,
        () -> TaskPrompt.userText(referring(1, 1, 2, 2, Units.PIXELS, "it"), "what?", null));
  }
}
