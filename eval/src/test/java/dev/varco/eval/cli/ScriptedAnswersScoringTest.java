package dev.varco.eval.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.eval.data.Benchmark;
import dev.varco.eval.run.ItemResult;
import dev.varco.eval.score.MarkdownReport;
import dev.varco.eval.score.Scoreboard;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A scripted answer file whose score is known by construction, scored by {@code --rescore} (the
 * same extraction and scoring a live run applies to each answer).
 */
class ScriptedAnswersScoringTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path DIR = Path.of("target", "test-data", "scripted");

  /** raw answer, correct letter, whether that answer is right. */
  private record Scripted(String raw, String answer, boolean right) {}

  private static final List<Scripted> ATTRIBUTE = List.of(
      new Scripted("B", "B", true),
      new Scripted("정답은 C입니다.", "C", true),
      new Scripted("A. 선택지 a", "A", true),
      new Scripted("옵션 D", "D", true),
      new Scripted("선택지 b", "B", true),              // the option's text
      new Scripted("(C)", "C", true),
      new Scripted("D번", "D", true),
      new Scripted("A", "B", false),
      new Scripted("잘 모르겠습니다.", "C", false),        // no letter: wrong
      new Scripted("정답은 A 또는 D", "D", false));       // hedged: wrong
  private static final List<Scripted> SCENE = List.of(
      new Scripted("**A**", "A", true),
      new Scripted("The answer is B.", "B", true),
      new Scripted("C입니다", "C", true),
      new Scripted("답: D", "D", true),
      new Scripted("Ａ", "A", true),
      new Scripted("D", "B", false),
      new Scripted("B. 선택지 b", "C", false),
      new Scripted("", "D", false),
      new Scripted("A와 B", "A", false),
      new Scripted("C", "B", false));

  @Test
  void knownAccuracyOverallPerCategoryAndCircular() throws Exception {
    Path out = DIR.resolve("k-mmbench");
    Files.createDirectories(out);
    StringBuilder lines = new StringBuilder();
    // Questions 0..9 are attribute_recognition, 10..19 image_scene; ids 1000000+k are circular
    // copies of question k (rows 0..4 and 10..14 have one each, scripted right for k = 0, 1, 10).
    int k = 0;
    for (List<Scripted> category : List.of(ATTRIBUTE, SCENE)) {
      for (Scripted s : category) {
        lines.append(line(String.valueOf(k), k < 10 ? "attribute_recognition" : "image_scene", s)).append('\n');
        k++;
      }
    }
    for (int q : new int[] {0, 1, 2, 3, 4, 10, 11, 12, 13, 14}) {
      boolean right = q == 0 || q == 1 || q == 10;
      Scripted copy = new Scripted(right ? "정답은 A" : "정답은 B", "A", right);
      lines.append(line(String.valueOf(1_000_000 + q), q < 10 ? "attribute_recognition" : "image_scene", copy)).append('\n');
    }
    Files.writeString(out.resolve("items.jsonl"), lines, StandardCharsets.UTF_8);
    // The earlier run's summary: what it evaluated, over a set of 40 items (10 not yet asked).
    Files.writeString(out.resolve("summary.json"), "{\"benchmark\":\"k-mmbench\",\"who\":\"tiny at http://127.0.0.1:1\",\"score\":0,"
        + "\"paper\":82.21,\"scored_items\":30,\"total_items\":40,\"failed_items\":0,\"circular\":null,\"categories\":{}}");

    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    int exit = EvalCommand.run(new String[] {"--benchmark", "k-mmbench", "--out", out.toString(), "--rescore"},
        new PrintStream(stdout, true, StandardCharsets.UTF_8), System.err, false);
    assertEquals(0, exit);
    String report = stdout.toString(StandardCharsets.UTF_8);
    // 7 + 5 scripted right of 20, plus 3 of the 10 copies: 15 / 30.
    assertTrue(report.contains("| VARCO-VISION-14B (paper) | 82.21 |"), report);
    assertTrue(report.contains("| tiny at http://127.0.0.1:1 | 50.00 |\n"), report);
    assertTrue(report.contains("30 of 40 items scored (partial run"), report);
    assertTrue(report.contains("| attribute_recognition | 15 | 9 | 60.00 |"), report);
    assertTrue(report.contains("| image_scene | 15 | 6 | 40.00 |"), report);
    // Circular: questions with copies are 0-4 and 10-14; both right only for 0, 1, 10 -> 3 of 10.
    assertTrue(report.contains("Circular (every rotation of a question right): 30.00 over 10 questions."), report);
    assertTrue(report.contains("answers with no readable letter: 4"), report);
    assertEquals(report.strip(), (Files.readString(out.resolve("report.md")) + "\nPer-item answers: " + out.resolve("items.jsonl")
        + "; this report: " + out.resolve("report.md")).strip());

    // The paper's five-column table from the runs under the folder: this one partial, the rest absent.
    ByteArrayOutputStream table = new ByteArrayOutputStream();
    assertEquals(0, EvalCommand.run(new String[] {"--table", DIR.toString()}, new PrintStream(table, true, StandardCharsets.UTF_8),
        System.err, false));
    assertEquals("""
        | Model | K-MMBench | K-SEED | K-MMStar | K-DTCBench | K-LLaVA-W |
        | --- | ---: | ---: | ---: | ---: | ---: |
        | VARCO-VISION-14B (paper) | 82.21 | 75.39 | 57.33 | 84.58 | 84.74 |
        | tiny at http://127.0.0.1:1 | 50.00* | - | - | - | - |

        \\* partial run: not every item of the set was scored.
        """, table.toString(StandardCharsets.UTF_8));

    // The rewritten file holds every answer with the rule that read it.
    List<ItemResult> rescored = new ArrayList<>();
    for (String l : Files.readAllLines(out.resolve("items.jsonl"))) {
      rescored.add(JSON.readValue(l, ItemResult.class));
    }
    assertEquals(30, rescored.size());
    assertEquals("phrase", rescored.get(1).rule());
    assertEquals("text", rescored.get(4).rule());
    assertEquals("none", rescored.get(9).rule());
  }

  @Test
  void llavaWildRelativeScorePerCategory() {
    List<ItemResult> judged = List.of(judged("1", "conv", 8, 6), judged("2", "conv", 9, 9), judged("3", "detail", 10, 8),
        judged("4", "complex", 8, 10));
    Scoreboard board = new Scoreboard(Benchmark.K_LLAVA_W, judged);
    assertEquals(100.0 * 33 / 35, board.overall().score(), 1e-9);
    String report = MarkdownReport.render(board, "tiny at http://x", 4, 0);
    assertTrue(report.contains("| conv | 2 | 7.50 | 8.50 | 88.24 |"), report);
    assertTrue(report.contains("| complex | 1 | 10.00 | 8.00 | 125.00 |"), report);
    assertTrue(report.contains("| tiny at http://x | 94.29 |"), report);
    assertTrue(report.contains("(mean 8.25 vs 8.75 of 10)"), report);
  }

  private static ItemResult judged(String id, String category, double reference, double model) {
    return new ItemResult(id, category, "q", null, "a", null, null, null, null, reference + " " + model, reference, model, null, 1.0);
  }

  private static String line(String id, String category, Scripted s) throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    for (String letter : List.of("A", "B", "C", "D")) {
      options.put(letter, "선택지 " + letter.toLowerCase());
    }
    // Written as an earlier run would have, but with a deliberately wrong stored verdict: the
    // rescore must recompute it from the raw answer.
    ItemResult result = new ItemResult(id, category, "prompt", options, s.raw(), null, null, s.answer(), !s.right(), null, null,
        null, null, 0.5);
    return JSON.writeValueAsString(result);
  }
}
