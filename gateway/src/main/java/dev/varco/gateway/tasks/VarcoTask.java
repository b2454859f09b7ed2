package dev.varco.gateway.tasks;

/**
 * A VARCO-VISION task a request can name instead of (or around) free chat. Each becomes the text of
 * the user message that follows the image ({@link TaskPrompt}); the answer is read back with
 * {@link TaskOutputParser}.
 */
public sealed interface VarcoTask {
  /** Read every line of text in the image with its box: the prompt is exactly {@code <ocr>}. */
  record Ocr() implements VarcoTask {}

  /** Answer the request and box every object it mentions: {@code <gro>} + newline + the request. */
  record Grounding() implements VarcoTask {}

  /**
   * Answer about the region {@code box}: the prompt names it {@code <obj>phrase</obj><bbox>x1, y1,
   * x2, y2</bbox>} followed by the request. {@code phrase} is how the request refers to the region
   * (e.g. {@code 이 물건}); null or blank for a default.
   */
  record Referring(InputBox box, String phrase) implements VarcoTask {
    public Referring {
      if (box == null) {
        throw new InvalidTaskException("box", "the referring task needs a box");
      }
    }
  }
}
