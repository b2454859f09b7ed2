package dev.varco.gateway.tasks;

import java.util.List;

/**
 * VARCO-VISION's task tokens. They are added (non-special) tokens of the tokenizer: the model
 * produces them as text and the tokenizer turns their exact spelling in a prompt into the token, so
 * only the gateway may place them in a task prompt.
 */
final class TaskTokens {
  static final String GRO = "<gro>";
  static final String OCR = "<ocr>";
  static final String CHAR_OPEN = "<char>";
  static final String CHAR_CLOSE = "</char>";
  static final String OBJ_OPEN = "<obj>";
  static final String OBJ_CLOSE = "</obj>";
  static final String BBOX_OPEN = "<bbox>";
  static final String BBOX_CLOSE = "</bbox>";
  static final String DELIM = "<delim>";

  static final List<String> ALL =
      List.of(GRO, OCR, CHAR_OPEN, CHAR_CLOSE, OBJ_OPEN, OBJ_CLOSE, BBOX_OPEN, BBOX_CLOSE, DELIM);

  private TaskTokens() {}

  /** The task token spelled at {@code at} in {@code s}, or null when none starts there. */
  static String at(String s, int at) {
    if (at + 1 >= s.length() || s.charAt(at) != '<' || "gocbd/".indexOf(s.charAt(at + 1)) < 0) {
      return null; // every token is '<' then one of these
    }
    for (String token : ALL) {
      if (s.startsWith(token, at)) {
        return token;
      }
    }
    return null;
  }

  /** The first task token spelled anywhere in {@code s}, or null when there is none. */
  static String firstIn(String s) {
    for (int at = s.indexOf('<'); at >= 0; at = s.indexOf('<', at + 1)) {
      String token = at(s, at);
      if (token != null) {
        return token;
      }
    }
    return null;
  }
}
