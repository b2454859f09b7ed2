package dev.varco.eval.score;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code summary.json}: a run's numbers for machines and for {@code --table}, which gathers the
 * runs of several benchmarks into the paper's table.
 *
 * @param score accuracy or relative score, in percent
 * @param circular the circular score where the set has circular copies, else null
 */
public record RunSummary(
    @JsonProperty("benchmark") String benchmark,
    @JsonProperty("who") String who,
    @JsonProperty("score") double score,
    @JsonProperty("paper") double paper,
    @JsonProperty("scored_items") int scoredItems,
    @JsonProperty("total_items") long totalItems,
    @JsonProperty("failed_items") int failedItems,
    @JsonProperty("circular") Double circular,
    @JsonProperty("categories") Map<String, Double> categories) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static RunSummary of(Scoreboard board, String who, long totalItems) {
    Map<String, Double> categories = new LinkedHashMap<>();
    board.categories().forEach(row -> categories.put(row.category(), round(row.score())));
    Scoreboard.Row circular = board.circular();
    return new RunSummary(board.benchmark().cliName, who, round(board.overall().score()), board.benchmark().paperScore,
        board.scoredItems(), totalItems, board.failedItems(), circular == null ? null : round(circular.score()), categories);
  }

  public boolean complete() {
    return scoredItems >= totalItems;
  }

  public void write(Path file) throws IOException {
    JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), this);
  }

  public static RunSummary read(Path file) throws IOException {
    return JSON.readValue(file.toFile(), RunSummary.class);
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
