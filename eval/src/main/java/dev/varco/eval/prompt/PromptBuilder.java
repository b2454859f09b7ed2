package dev.varco.eval.prompt;

import dev.varco.eval.data.Benchmark;
import dev.varco.eval.data.Item;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The text sent with the image for one item. The image always comes first in the message (the
 * card templates begin with {@code <image>}); this is the text part after it.
 */
public final class PromptBuilder {
  /** The instruction every NCSOFT multiple-choice card ends with. */
  public static final String ANSWER_WITH_LETTER = "주어진 선택지 중 해당 옵션의 문자로 직접 답하세요.";

  private final Benchmark benchmark;
  private final PromptStyle style;

  public PromptBuilder(Benchmark benchmark, PromptStyle style) {
    this.benchmark = benchmark;
    this.style = style;
  }

  public String prompt(Item item) {
    if (benchmark == Benchmark.K_LLAVA_W) {
      return item.question();
    }
    return style == PromptStyle.VLMEVALKIT ? vlmEvalKit(item) : card(item);
  }

  private String card(Item item) {
    return switch (benchmark) {
      // 힌트: {hint}\n질문: {question}\nOptions:\nA. ..\n...
      case K_MMBENCH -> (present(item.hint()) ? "힌트: " + item.hint() + "\n" : "") + "질문: " + item.question()
          + "\nOptions:\n" + lines(item.options()) + ANSWER_WITH_LETTER;
      // {question}\nA. ..\nB. ..\n...
      case K_SEED -> item.question() + "\n" + lines(item.options()) + ANSWER_WITH_LETTER;
      // The question carries its own "Options: A: .., B: .." line.
      case K_MMSTAR -> item.question();
      // {question}\nOptions: A: .., B: .., C: .., D: ..\n...
      case K_DTCBENCH -> item.question() + "\nOptions: " + item.options().entrySet().stream()
          .map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining(", ")) + "\n" + ANSWER_WITH_LETTER;
      case K_LLAVA_W -> item.question();
    };
  }

  private static String vlmEvalKit(Item item) {
    StringBuilder prompt = new StringBuilder();
    if (present(item.hint())) {
      prompt.append("Hint: ").append(item.hint()).append('\n');
    }
    prompt.append("Question: ").append(item.question()).append('\n');
    if (!item.options().isEmpty() && !item.question().contains("Options:")) {
      prompt.append("Options:\n").append(lines(item.options()));
      prompt.append("Please select the correct answer from the options above. \n");
    }
    return prompt.toString();
  }

  private static String lines(Map<String, String> options) {
    return options.entrySet().stream().map(e -> e.getKey() + ". " + e.getValue() + "\n").collect(Collectors.joining());
  }

  private static boolean present(String s) {
    return s != null && !s.isBlank();
  }
}
