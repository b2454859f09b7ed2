package dev.varco.load.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.varco.load.LoadRun;
import dev.varco.load.LoadSettings;
import dev.varco.load.report.RunSummary;
import dev.varco.load.report.ScenarioRun;
import dev.varco.load.report.SmokeVerdict;
import dev.varco.load.stream.StreamAnalysis;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The measuring side of the harness, through real Gatling, against a loopback HTTP server that
 * misbehaves on purpose (the stack never does this on demand): a refused request must count by its
 * status and a stream closed before {@code [DONE]} as cut, so a smoke run cannot pass over either.
 */
class BrokenStreamsTest {
  @Test
  void refusedAndCutStreamsAreCountedByCauseAndFailTheVerdict() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/chat/completions", exchange -> {
      exchange.getRequestBody().readAllBytes();
      if (requests.incrementAndGet() % 2 == 1) {
        byte[] body = "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit_error\"}}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(429, body.length);
        exchange.getResponseBody().write(body);
      } else {
        exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        for (String token : List.of("a", "b")) {
          out.write(("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + token + "\"}}]}\n\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
      }
      exchange.close();
    });
    server.start();
    try {
      LoadSettings settings = new LoadSettings("http://127.0.0.1:" + server.getAddress().getPort(), Optional.empty(), Duration.ofSeconds(2),
          2, LoadSettings.Profile.CONSTANT, 8, Duration.ofSeconds(10), Path.of("target", "broken-streams-reports"), Optional.empty(),
          Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
      List<ScenarioRun> runs = LoadRun.run(settings, List.of("chat"));

      Map<String, Long> errors = RunSummary.errors(runs.get(0));
      assertTrue(errors.getOrDefault("HTTP 429", 0L) >= 1, errors.toString());
      assertTrue(errors.getOrDefault(StreamAnalysis.CUT, 0L) >= 1, errors.toString());
      assertEquals(requests.get(), errors.values().stream().mapToLong(Long::longValue).sum(), "every request failed: " + errors);
      List<String> problems = SmokeVerdict.problems(runs, 256);
      assertTrue(problems.stream().anyMatch(p -> p.contains(StreamAnalysis.CUT)), problems.toString());
      assertTrue(problems.stream().anyMatch(p -> p.contains("no stream completed")), problems.toString());
      assertTrue(problems.stream().noneMatch(p -> p.contains("429")), "a 429 is an answer, not a smoke failure: " + problems);
    } finally {
      server.stop(0);
    }
  }
}
