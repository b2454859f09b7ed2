package dev.varco.eval.prompt;

/** Which evaluation suite's wording the prompts follow. */
public enum PromptStyle {
  /**
   * The inference prompts of NCSOFT's dataset cards: the Korean instruction "주어진 선택지 중 해당
   * 옵션의 문자로 직접 답하세요." after the options.
   */
  CARD,
  /** VLMEvalKit's ImageMCQDataset wording: "Hint:", "Question:", "Options:", "Please select ...". */
  VLMEVALKIT;

  public static PromptStyle byName(String name) {
    return switch (name.toLowerCase(java.util.Locale.ROOT)) {
      case "card", "lmms-eval" -> CARD;
      case "vlmevalkit" -> VLMEVALKIT;
      default -> throw new IllegalArgumentException("unknown prompt style '" + name + "' (card, vlmevalkit)");
    };
  }
}
