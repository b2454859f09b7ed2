package dev.varco.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.load.report.ScenarioRun;
import dev.varco.load.report.SmokeVerdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * CI's smoke run: the real stack on the tiny model (started by the launcher), a short bounded run of
 * each scenario (the two Gatling ones and the three gRPC ones), then {@link SmokeVerdict}: no 5xx other than 503, no stream cut or left without its
 * final event, no in-stream error, every scenario served; then an 8 s overload ramp (chat, 0.2/s to
 * 20/s) where only 429/503 may appear; no service's RSS grown past the bound over both.
 */
class LoadSmokeTest {
  /** RSS growth allowed per service over the whole smoke run (heap sizing and JIT included). */
  static final long RSS_GROWTH_BOUND_MIB = 256;

  @Test
  void eachScenarioRunsCleanAgainstTheRealStack() throws Exception {
    Path reports = Path.of("target", "reports").toAbsolutePath();
    List<ScenarioRun> runs;
    List<ScenarioRun> overload;
    String summary;
    try (LocalStack stack = LocalStack.start()) {
      LoadSettings settings = new LoadSettings(stack.url(stack.gatewayPort), Optional.empty(), Duration.ofSeconds(8), 0.5,
          LoadSettings.Profile.CONSTANT, 16, Duration.ofSeconds(60), reports, Optional.of(LocalStack.STATE_DIR),
          Optional.of(stack.url(stack.llmPort)), Optional.of(stack.url(stack.visionPort)),
          Optional.of("127.0.0.1:" + stack.gatewayGrpcPort), Optional.of("127.0.0.1:" + stack.visionGrpcPort));
      runs = LoadRun.run(settings, LoadRun.all(settings));
      summary = Files.readString(reports.resolve("summary-latest.md"));
      // A short overload: chat arrivals ramping from 0.2/s to 20/s, past what 2 cores serve.
      LoadSettings ramp = new LoadSettings(settings.baseUrl(), Optional.empty(), Duration.ofSeconds(8), 2, LoadSettings.Profile.RAMP, 8,
          Duration.ofSeconds(60), reports.resolve("overload"), settings.stateDir(), settings.llmUrl(), settings.visionUrl(),
          Optional.empty(), Optional.empty());
      overload = LoadRun.run(ramp, List.of("chat"));
    }

    assertEquals(List.of("chat", "responses", "grpc-complete", "grpc-respond", "grpc-encode"),
        runs.stream().map(ScenarioRun::scenario).toList());
    for (ScenarioRun run : runs) {
      assertEquals(0, run.gatlingStatus(), run.scenario() + ": the run failed");
      if (LoadRun.SCENARIOS.containsKey(run.scenario())) {
        assertTrue(run.gatlingReport().map(r -> Files.exists(r.resolve("index.html"))).orElse(false),
            run.scenario() + ": no Gatling HTML report");
      }
      assertTrue(run.chart().map(Files::exists).orElse(false), run.scenario() + ": no PNG chart");
      assertTrue(!run.samples().isEmpty() && run.samples().get(0).rssMiB().size() == 3
          && run.samples().get(0).gauges().containsKey("llm-service vllm:num_requests_waiting"), run.scenario() + ": RSS and queues sampled during the run");
      assertTrue(run.after().rssMiB().size() == 3, run.scenario() + ": RSS of the three services read " + run.after().rssMiB());
      assertTrue(run.after().metrics().containsKey("llm-service vllm:generation_tokens_total"), "llm-service metrics scraped");
    }
    for (String label : List.of("chat/text", "chat/image-1024x768", "responses/turn-2+", "grpc-complete/text", "grpc-respond/turn-2+",
        "grpc-encode/1024x768")) {
      assertTrue(summary.contains("| " + label + " |"), label + " missing from the summary:\n" + summary);
    }
    assertEquals(List.of(), SmokeVerdict.problems(runs, RSS_GROWTH_BOUND_MIB), summary);
    assertTrue(overload.get(0).recovery().flatMap(r -> r.recoverySeconds()).isPresent(),
        "the stack answers a probe normally again within the stream timeout after the overload: " + overload.get(0).recovery());
    // Under overload only the documented refusals (429, 503) may appear, and memory stays bounded.
    List<ScenarioRun> everything = new java.util.ArrayList<>(runs);
    everything.addAll(overload);
    assertEquals(List.of(), SmokeVerdict.problems(everything, RSS_GROWTH_BOUND_MIB),
        Files.readString(reports.resolve("overload").resolve("summary-latest.md")));
  }
}
