package dev.varco.eval.score;

import dev.varco.eval.data.Benchmark;
import dev.varco.eval.run.ItemResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scores of the finished items of one run. Multiple choice: accuracy (correct / scored items),
 * overall and per category; where the set holds circular copies of its questions (VLMEvalKit's
 * MMBench numbering: a copy's index is the question's plus a multiple of 1,000,000), also the
 * circular score: a question counts only when every copy is right. K-LLaVA-W: the relative score,
 * sum of the model's judge scores / sum of the reference answers' x 100, overall and per category,
 * as LLaVA-Bench reports it.
 */
public final class Scoreboard {
  static final long CIRCULAR_STRIDE = 1_000_000L;

  /** One row of the table. score is a percentage (accuracy or relative score). */
  public record Row(String category, int items, double points, double score, double referenceMean, double modelMean) {}

  private final Benchmark benchmark;
  private final List<ItemResult> scored = new ArrayList<>();
  private final int failed;
  private final int noChoice;

  public Scoreboard(Benchmark benchmark, Collection<ItemResult> results) {
    this.benchmark = benchmark;
    int failures = 0;
    int unanswered = 0;
    for (ItemResult result : results) {
      if (!result.done()) {
        failures++;
      } else {
        scored.add(result);
        if (benchmark.multipleChoice() && result.choice() == null) {
          unanswered++;
        }
      }
    }
    this.failed = failures;
    this.noChoice = unanswered;
  }

  public Benchmark benchmark() {
    return benchmark;
  }

  public int scoredItems() {
    return scored.size();
  }

  /** Items whose request or judgement failed (not scored; a rerun retries them). */
  public int failedItems() {
    return failed;
  }

  /** Multiple-choice answers from which no letter could be read (scored as wrong). */
  public int itemsWithoutChoice() {
    return noChoice;
  }

  public Row overall() {
    return row("overall", scored);
  }

  /** Per category, sorted by name; empty when the set has no categories. */
  public List<Row> categories() {
    Map<String, List<ItemResult>> byCategory = new TreeMap<>();
    for (ItemResult result : scored) {
      if (result.category() != null && !result.category().isEmpty()) {
        byCategory.computeIfAbsent(result.category(), c -> new ArrayList<>()).add(result);
      }
    }
    return byCategory.entrySet().stream().map(e -> row(e.getKey(), e.getValue())).toList();
  }

  /** Circular score over questions with more than one copy, or null when the set has none. */
  public Row circular() {
    if (!benchmark.multipleChoice()) {
      return null;
    }
    Map<Long, List<ItemResult>> groups = new HashMap<>();
    for (ItemResult result : scored) {
      if (!result.id().matches("\\d{1,18}")) {
        return null;
      }
      groups.computeIfAbsent(Long.parseLong(result.id()) % CIRCULAR_STRIDE, g -> new ArrayList<>()).add(result);
    }
    List<List<ItemResult>> circularGroups = groups.values().stream().filter(g -> g.size() > 1).toList();
    if (circularGroups.isEmpty()) {
      return null;
    }
    long allRight = circularGroups.stream().filter(g -> g.stream().allMatch(r -> Boolean.TRUE.equals(r.correct()))).count();
    return new Row("circular", circularGroups.size(), allRight, 100.0 * allRight / circularGroups.size(), Double.NaN, Double.NaN);
  }

  private Row row(String name, List<ItemResult> results) {
    if (benchmark.multipleChoice()) {
      long correct = results.stream().filter(r -> Boolean.TRUE.equals(r.correct())).count();
      return new Row(name, results.size(), correct, results.isEmpty() ? 0 : 100.0 * correct / results.size(), Double.NaN, Double.NaN);
    }
    double reference = results.stream().mapToDouble(ItemResult::referenceScore).sum();
    double model = results.stream().mapToDouble(ItemResult::modelScore).sum();
    int n = results.size();
    return new Row(name, n, model, reference > 0 ? 100.0 * model / reference : 0, n > 0 ? reference / n : 0, n > 0 ? model / n : 0);
  }
}
