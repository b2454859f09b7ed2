package dev.varco.load.report;

import dev.varco.load.stream.StreamAnalysis;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a smoke run must show on a healthy stack: every scenario served streams, no server error other
 * than the documented 503 (llm-service unreachable, store unavailable), no gRPC status other than
 * their counterparts (RESOURCE_EXHAUSTED, UNAVAILABLE, ABORTED), no stream cut before its final
 * event or left without one, no in-stream error, and no service whose RSS grew past a bound.
 */
public final class SmokeVerdict {
  /** gRPC's counterparts of 429, 503 and 409: answers the stack documents, not failures. */
  private static final java.util.Set<String> GRPC_ANSWERS = java.util.Set.of("gRPC RESOURCE_EXHAUSTED", "gRPC UNAVAILABLE", "gRPC ABORTED");

  private SmokeVerdict() {}

  /** The broken rules, one sentence each; empty when the run passes. */
  public static List<String> problems(List<ScenarioRun> runs, long rssGrowthBoundMiB) {
    List<String> problems = new ArrayList<>();
    for (ScenarioRun run : runs) {
      String name = run.scenario();
      long completed = run.streams().values().stream().mapToLong(s -> s.completed()).sum();
      if (completed == 0) {
        problems.add(name + ": no stream completed");
      }
      for (Map.Entry<String, Long> error : RunSummary.errors(run).entrySet()) {
        String cause = error.getKey();
        boolean serverError = (cause.startsWith("HTTP 5") && !cause.startsWith("HTTP 503"))
            || (cause.startsWith("gRPC ") && !GRPC_ANSWERS.contains(cause));
        boolean broken = cause.equals(StreamAnalysis.CUT) || cause.equals(StreamAnalysis.TIMEOUT) || cause.startsWith("in-stream error");
        if (serverError || broken) {
          problems.add(name + ": " + error.getValue() + " x " + cause);
        }
      }
    }
    if (!runs.isEmpty()) {
      StackSnapshot first = runs.get(0).before();
      StackSnapshot last = runs.get(runs.size() - 1).after();
      for (String service : StackSnapshot.SERVICES) {
        Long before = first.rssMiB().get(service);
        Long after = last.rssMiB().get(service);
        if (before != null && after != null && after - before > rssGrowthBoundMiB) {
          problems.add(service + ": RSS grew " + (after - before) + " MiB (" + before + " -> " + after + "), bound " + rssGrowthBoundMiB + " MiB");
        }
      }
    }
    return problems;
  }
}
