package dev.varco.load.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.load.stream.StreamStats;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.HdrHistogram.DoubleHistogram;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class SmokeVerdictTest {
  private static StreamStats.Snapshot streams(long completed, Map<String, Long> errors) {
    long failed = errors.values().stream().mapToLong(Long::longValue).sum();
    return new StreamStats.Snapshot(completed + failed, completed, completed * 16, new Histogram(3), new Histogram(3), new Histogram(3),
        new DoubleHistogram(3), errors, 0, 1000);
  }

  private static StackSnapshot rss(long gateway, long llm, long vision) {
    return new StackSnapshot(Instant.EPOCH, Map.of(), Map.of("gateway", gateway, "llm-service", llm, "vision-service", vision), "0 0 0");
  }

  private static ScenarioRun run(Map<String, Long> errors, StackSnapshot before, StackSnapshot after) {
    return new ScenarioRun("chat", Map.of("chat/text", streams(5, errors)), before, after, Optional.empty(), 0, Optional.empty(), List.of(), Optional.empty());
  }

  @Test
  void documented503And429PassOther5xxDoNot() {
    ScenarioRun run = run(Map.of("HTTP 503", 1L, "HTTP 429", 2L, "HTTP 500", 1L), rss(200, 600, 200), rss(210, 650, 220));

    assertEquals(List.of("chat: 1 x HTTP 500"), SmokeVerdict.problems(List.of(run), 256));
  }

  @Test
  void grpcCountsOnlyItsCounterpartsOf429And503AsAnswers() {
    ScenarioRun run = run(Map.of("gRPC RESOURCE_EXHAUSTED", 3L, "gRPC UNAVAILABLE", 1L, "gRPC INTERNAL", 1L, "gRPC DEADLINE_EXCEEDED", 2L),
        rss(200, 600, 200), rss(200, 600, 200));

    assertEquals(List.of("chat: 2 x gRPC DEADLINE_EXCEEDED", "chat: 1 x gRPC INTERNAL"), SmokeVerdict.problems(List.of(run), 256));
  }

  @Test
  void rssGrowthPastTheBoundFailsNamingTheService() {
    ScenarioRun run = run(Map.of(), rss(200, 600, 200), rss(200, 900, 200));

    List<String> problems = SmokeVerdict.problems(List.of(run), 256);

    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("llm-service: RSS grew 300 MiB"), problems.get(0));
  }
}
