package dev.varco.eval.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.eval.cli.EvalCommand;
import dev.varco.eval.data.Benchmark;
import dev.varco.eval.data.SyntheticSets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./varco eval} against the real stack serving the tiny model (random weights: its answers
 * are random text, so these tests check the plumbing and the bookkeeping, not accuracy). The
 * gateway admits one request at a time, so the runner's three in flight meet real 429s with
 * Retry-After and must back off until every item is answered.
 */
class EvalAgainstStackTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path DIR = Path.of("target", "test-data", "stack");
  private static LauncherStack stack;

  @BeforeAll
  static void start() throws Exception {
    if (Files.exists(DIR)) {
      try (var files = Files.walk(DIR)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    stack = new LauncherStack(Map.of("VARCO_GATEWAY_ACCESS_MAX_CONCURRENT_REQUESTS", "1"));
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  private record Run(int exit, String stdout, String stderr) {}

  private static Run eval(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--base-url", stack.gatewayUrl(), "--max-tokens", "4"));
    int exit = EvalCommand.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), false);
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static List<JsonNode> lines(Path out) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("items.jsonl"))) {
      lines.add(JSON.readTree(line));
    }
    return lines;
  }

  @Test
  void kMmbenchParquetThroughTheGatewayWithRateLimitBackoff() throws Exception {
    Path data = SyntheticSets.parquet(DIR.resolve("k-mmbench.parquet"), Benchmark.K_MMBENCH, SyntheticSets.rows(Benchmark.K_MMBENCH, 5));
    Path out = DIR.resolve("out-mmbench");
    Run run = eval("--benchmark", "k-mmbench", "--data", data.toString(), "--out", out.toString(), "--concurrency", "3");
    assertEquals(0, run.exit(), run.stderr());
    List<JsonNode> items = lines(out);
    assertEquals(5, items.size(), run.stderr());
    for (JsonNode item : items) {
      assertTrue(item.path("error").isMissingNode(), item.toString());
      assertTrue(item.hasNonNull("raw_answer"), item.toString());
      assertTrue(item.path("correct").isBoolean(), item.toString());
      assertEquals(item.path("choice").isNull() || item.path("choice").isMissingNode() ? "none" : item.path("rule").asText(),
          item.path("rule").asText());
    }
    JsonNode first = items.stream().filter(i -> i.path("id").asText().equals("0")).findFirst().orElseThrow();
    assertEquals("힌트: 사진은 실내에서 찍었습니다.\n질문: 이미지 속 물체의 색은 무엇입니까? (0)\nOptions:\nA. 선택지 0-A\nB. 선택지 0-B\n"
        + "C. 선택지 0-C\nD. 선택지 0-D\n주어진 선택지 중 해당 옵션의 문자로 직접 답하세요.", first.path("prompt").asText());
    assertTrue(run.stdout().contains("| VARCO-VISION-14B (paper) | 82.21 |"), run.stdout());
    assertTrue(run.stdout().contains("5 of 5 items scored."), run.stdout());
    assertTrue(run.stdout().contains("Requests retried after 429/503"), "three in flight against a limit of one: " + run.stdout());
    assertTrue(run.stderr().contains("[k-mmbench] [####################] 5/5 100.0%"), run.stderr());
    assertTrue(Files.readString(out.resolve("report.md")).contains("| attribute_recognition | 3 |"));
  }

  @Test
  void tsvRunResumesWhereItStopped() throws Exception {
    List<Map<String, Object>> rows = SyntheticSets.rows(Benchmark.K_DTCBENCH, 4);
    Path data = SyntheticSets.tsv(DIR.resolve("K-DTCBench.tsv"), rows);
    Path out = DIR.resolve("out-dtc");
    Run partial = eval("--benchmark", "k-dtcbench", "--data", data.toString(), "--out", out.toString(), "--limit", "2");
    assertEquals(0, partial.exit(), partial.stderr());
    assertTrue(partial.stdout().contains("2 of 2 items scored."), partial.stdout());
    List<JsonNode> before = lines(out);
    assertEquals(2, before.size());
    // A run killed while writing its third line leaves half a line behind.
    Files.writeString(out.resolve("items.jsonl"), "{\"id\":\"2\",\"category\":\"ta", java.nio.file.StandardOpenOption.APPEND);

    Run rest = eval("--benchmark", "k-dtcbench", "--data", data.toString(), "--out", out.toString());
    assertEquals(0, rest.exit(), rest.stderr());
    List<JsonNode> after = lines(out);
    assertEquals(4, after.size(), "two new items, the cut line dropped: " + after);
    assertEquals(before, after.subList(0, 2), "finished items are not asked again");
    assertEquals(List.of("0", "1", "2", "3"), after.stream().map(n -> n.path("id").asText()).sorted().toList(), "answers land as they finish");
    assertTrue(rest.stdout().contains("4 of 4 items scored."), rest.stdout());
    assertTrue(rest.stderr().contains("asked 2 items now, 2 were finished before"), rest.stderr());

    Run otherSet = eval("--benchmark", "k-seed", "--data", data.toString(), "--out", out.toString());
    assertEquals(1, otherSet.exit());
    assertTrue(otherSet.stderr().contains("holds a k-dtcbench run; give this k-seed run another --out"), otherSet.stderr());
  }

  @Test
  void anImageTheServerRefusesFailsThatItemOnly() throws Exception {
    List<Map<String, Object>> rows = SyntheticSets.rows(Benchmark.K_SEED, 2);
    rows.get(1).put("image", Map.of("bytes", "GIF89a but truncated".getBytes(StandardCharsets.US_ASCII), "path", "1.gif"));
    Path data = SyntheticSets.parquet(DIR.resolve("k-seed.parquet"), Benchmark.K_SEED, rows);
    Path out = DIR.resolve("out-seed");
    Run run = eval("--benchmark", "k-seed", "--data", data.toString(), "--out", out.toString());
    assertEquals(0, run.exit(), run.stderr());
    JsonNode refused = lines(out).stream().filter(n -> n.path("id").asText().equals("q1")).findFirst().orElseThrow();
    assertTrue(refused.path("error").asText().startsWith("HTTP 400 from " + stack.gatewayUrl() + "/v1/chat/completions: "), refused.toString());
    assertTrue(run.stdout().contains("1 of 2 items scored"), run.stdout());
    assertTrue(run.stdout().contains("Failed items (not scored; run the same command again to retry them): 1."), run.stdout());
  }

  @Test
  void llavaWildAnswersGoToTheJudge() throws Exception {
    Path data = SyntheticSets.parquet(DIR.resolve("k-llava-w.parquet"), Benchmark.K_LLAVA_W, SyntheticSets.rows(Benchmark.K_LLAVA_W, 2));
    Path out = DIR.resolve("out-llava");
    // The tiny model judges too: its random text carries no scores, which the report must say.
    Run run = eval("--benchmark", "k-llava-w", "--data", data.toString(), "--out", out.toString(),
        "--judge-url", stack.gatewayUrl(), "--concurrency", "1");
    assertEquals(0, run.exit(), run.stderr());
    for (JsonNode item : lines(out)) {
      assertTrue(item.hasNonNull("raw_answer"), item.toString());
      assertTrue(item.hasNonNull("judgement"), "the judge was asked: " + item);
      String error = item.path("error").asText(null);
      if (error != null) {
        assertEquals("the judge's answer has no two 1-10 scores on a line", error);
      } else {
        assertNotNull(item.get("model_score"));
      }
    }
    assertTrue(run.stdout().contains("| VARCO-VISION-14B (paper) | 84.74 |"), run.stdout());

    // Without a judge the answers are kept and marked not judged; a later run with the judge
    // judges them without asking the model again.
    Path unjudgedOut = DIR.resolve("out-llava-unjudged");
    Run unjudged = eval("--benchmark", "k-llava-w", "--data", data.toString(), "--out", unjudgedOut.toString(), "--concurrency", "1");
    assertEquals(0, unjudged.exit(), unjudged.stderr());
    List<JsonNode> answers = lines(unjudgedOut);
    assertEquals("not judged: K-LLaVA-W needs --judge-url (the answer is kept here)", answers.get(0).path("error").asText());
    Run judgedLater = eval("--benchmark", "k-llava-w", "--data", data.toString(), "--out", unjudgedOut.toString(),
        "--judge-url", stack.gatewayUrl(), "--concurrency", "1");
    assertEquals(0, judgedLater.exit(), judgedLater.stderr());
    List<JsonNode> after = lines(unjudgedOut).subList(2, 4);
    for (JsonNode item : after) {
      JsonNode before = answers.stream().filter(a -> a.path("id").equals(item.path("id"))).findFirst().orElseThrow();
      assertEquals(before.path("raw_answer"), item.path("raw_answer"), "the model was not asked again");
      assertTrue(item.hasNonNull("judgement"), item.toString());
    }
  }
}
