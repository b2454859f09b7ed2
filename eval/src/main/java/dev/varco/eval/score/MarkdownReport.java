package dev.varco.eval.score;

import dev.varco.eval.data.Benchmark;
import java.util.Locale;

/**
 * The run as markdown: first the paper's table layout (model | benchmark) with VARCO-VISION-14B's
 * published number beside this run's, then the per-category breakdown.
 */
public final class MarkdownReport {
  private MarkdownReport() {}

  /**
   * @param who what was evaluated, e.g. "varco-vision-14b at http://10.0.0.5:8080"
   * @param totalItems items in the data file (or the --limit), to show a partial run as such
   * @param retries requests retried after a 429/503 or a dropped connection
   */
  public static String render(Scoreboard board, String who, long totalItems, long retries) {
    Benchmark b = board.benchmark();
    Scoreboard.Row overall = board.overall();
    StringBuilder md = new StringBuilder();
    md.append("# ").append(b.title).append(" (").append(b.dataset).append(", ").append(b.split).append(")\n\n");
    md.append("| Model | ").append(b.title).append(" |\n| --- | ---: |\n");
    md.append("| VARCO-VISION-14B (paper) | ").append(number(b.paperScore)).append(" |\n");
    md.append("| ").append(who.replace("|", "\\|")).append(" | ").append(number(overall.score())).append(" |\n\n");
    md.append(overall.items()).append(" of ").append(totalItems).append(" items scored");
    if (overall.items() < totalItems) {
      md.append(" (partial run: the number is not comparable with the paper's until every item is scored)");
    }
    md.append(".\n");
    if (b.multipleChoice()) {
      md.append("Accuracy = items whose extracted letter equals the answer / items scored; answers with no readable letter: ")
          .append(board.itemsWithoutChoice()).append(".\n");
    } else {
      md.append(String.format(Locale.ROOT, "Relative score = model's judge scores / reference answers' x 100 "
          + "(mean %.2f vs %.2f of 10).%n", overall.modelMean(), overall.referenceMean()));
    }
    Scoreboard.Row circular = board.circular();
    if (circular != null) {
      md.append(String.format(Locale.ROOT, "Circular (every rotation of a question right): %s over %d questions.%n",
          number(circular.score()), circular.items()));
    }
    if (board.failedItems() > 0) {
      md.append("Failed items (not scored; run the same command again to retry them): ").append(board.failedItems()).append(".\n");
    }
    if (retries > 0) {
      md.append("Requests retried after 429/503 or a dropped connection: ").append(retries).append(".\n");
    }
    var categories = board.categories();
    if (!categories.isEmpty()) {
      md.append("\n| Category | Items | ").append(b.multipleChoice() ? "Correct | Accuracy" : "Model mean | Reference mean | Relative")
          .append(" |\n| --- | ---: | ---: | ---: |").append(b.multipleChoice() ? "" : " ---: |").append('\n');
      for (var row : categories) {
        md.append("| ").append(row.category().replace("|", "\\|")).append(" | ").append(row.items()).append(" | ");
        if (b.multipleChoice()) {
          md.append((long) row.points()).append(" | ").append(number(row.score()));
        } else {
          md.append(String.format(Locale.ROOT, "%.2f | %.2f | %s", row.modelMean(), row.referenceMean(), number(row.score())));
        }
        md.append(" |\n");
      }
    }
    return md.toString();
  }

  static String number(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }
}
