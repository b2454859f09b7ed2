package dev.varco.gateway.tasks;

/**
 * Builds the text of the user message that follows the image for a {@link VarcoTask}, in the forms
 * of VARCO-VISION-14B's model card:
 *
 * <ul>
 *   <li>OCR: exactly {@code <ocr>}; the task takes no request text (a non-blank one is refused
 *       rather than dropped or appended to a prompt the model was not trained on).
 *   <li>Grounding: {@code <gro>\n} + the request, e.g. {@code <gro>\nDescribe the image in detail.}
 *   <li>Referring: {@code <obj>phrase</obj><bbox>x1, y1, x2, y2</bbox>} + the request, verbatim: the
 *       request continues the sentence the phrase starts ({@code <obj>이 물건</obj><bbox>0.039,
 *       0.138, 0.283, 0.257</bbox>은 어떻게 쓰는거야?}). Without a phrase the region is called
 *       {@code 이 물건} when the request contains Hangul, {@code this object} otherwise, and the
 *       request follows on a new line.
 * </ul>
 *
 * <p>The request text and phrase may not contain a task token ({@code <gro>}, {@code <ocr>},
 * {@code <char>}, {@code <obj>}, {@code <bbox>}, {@code <delim>} or a closing tag): the tokenizer
 * would read them as the model's own markup, so a user could plant boxes or switch tasks. They are
 * refused, naming the field, rather than silently stripped, which would change what was asked.
 */
public final class TaskPrompt {
  static final String DEFAULT_PHRASE_KO = "이 물건";
  static final String DEFAULT_PHRASE_EN = "this object";

  private TaskPrompt() {}

  /**
   * @param text the user's request (may be null for OCR)
   * @param size the original image's upright size ({@link ImageGeometry}); needed for pixel boxes
   */
  public static String userText(VarcoTask task, String text, ImageSize size) {
    String request = text == null ? "" : text;
    return switch (task) {
      case VarcoTask.Ocr ocr -> {
        if (!request.isBlank()) {
          throw new InvalidTaskException("text", "the ocr task takes no request text: its prompt is exactly <ocr>");
        }
        yield TaskTokens.OCR;
      }
      case VarcoTask.Grounding grounding -> TaskTokens.GRO + "\n" + checkedRequest(request, "grounding");
      case VarcoTask.Referring referring -> referring(referring, checkedRequest(request, "referring"), size);
    };
  }

  private static String referring(VarcoTask.Referring task, String request, ImageSize size) {
    NormalizedBox box = task.box().normalize(size);
    boolean given = task.phrase() != null && !task.phrase().isBlank();
    if (given) {
      rejectTaskTokens("phrase", task.phrase());
    }
    String phrase = given ? task.phrase() : containsHangul(request) ? DEFAULT_PHRASE_KO : DEFAULT_PHRASE_EN;
    String region = TaskTokens.OBJ_OPEN + phrase + TaskTokens.OBJ_CLOSE
        + TaskTokens.BBOX_OPEN + box.modelText() + TaskTokens.BBOX_CLOSE;
    return given ? region + request : region + "\n" + request;
  }

  private static String checkedRequest(String request, String taskName) {
    if (request.isBlank()) {
      throw new InvalidTaskException("text", "the " + taskName + " task needs a request text");
    }
    rejectTaskTokens("text", request);
    return request;
  }

  private static void rejectTaskTokens(String param, String value) {
    String token = TaskTokens.firstIn(value);
    if (token != null) {
      throw new InvalidTaskException(param, param + " contains " + token
          + ", one of VARCO's task tokens, which only the gateway places in a task prompt; remove it");
    }
  }

  private static boolean containsHangul(String s) {
    return s.codePoints().anyMatch(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HANGUL);
  }
}
