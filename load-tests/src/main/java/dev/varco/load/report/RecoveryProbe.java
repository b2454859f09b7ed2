package dev.varco.load.report;

import dev.varco.load.LoadSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How long the stack takes to answer normally again after an overload: one small non-streamed chat
 * completion (one output token) as a probe, timed a few times before the run for a baseline, then
 * once a second after it until it answers 200 within {@code max(2 x baseline, baseline + 500 ms)},
 * for at most the stream timeout. Recovery counts from the last arrival of the overload, so the time
 * the load generator spent waiting for the streams still in flight is part of it.
 */
public final class RecoveryProbe {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  /** @param recoverySeconds seconds from the last arrival to the first normal answer; empty if none came in time */
  public record Recovery(long baselineMillis, Optional<Double> recoverySeconds, long lastProbeMillis) {}

  private final LoadSettings settings;

  public RecoveryProbe(LoadSettings settings) {
    this.settings = settings;
  }

  /** The median of three probes on the stack at rest; empty when it does not answer 200. */
  public OptionalLong baseline() throws InterruptedException {
    long[] times = new long[3];
    for (int i = 0; i < times.length; i++) {
      OptionalLong t = probe();
      if (t.isEmpty()) {
        return OptionalLong.empty();
      }
      times[i] = t.getAsLong();
    }
    Arrays.sort(times);
    return OptionalLong.of(times[1]);
  }

  /** @param lastArrivalMillis when the overload's last stream was started (epoch ms) */
  public Recovery await(long baselineMillis, long lastArrivalMillis) throws InterruptedException {
    long threshold = Math.max(2 * baselineMillis, baselineMillis + 500);
    long deadline = System.nanoTime() + settings.streamTimeout().toNanos();
    long last = -1;
    while (System.nanoTime() < deadline) {
      OptionalLong t = probe();
      if (t.isPresent()) {
        last = t.getAsLong();
        if (last <= threshold) {
          return new Recovery(baselineMillis, Optional.of((System.currentTimeMillis() - lastArrivalMillis) / 1000.0), last);
        }
      }
      Thread.sleep(1000);
    }
    return new Recovery(baselineMillis, Optional.empty(), last);
  }

  /** One probe's latency in ms, empty unless it answered 200. */
  private OptionalLong probe() throws InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(settings.baseUrl() + "/v1/chat/completions"))
        .timeout(settings.streamTimeout())
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"max_tokens\":1,\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}"));
    settings.apiKey().ifPresent(key -> request.header("Authorization", "Bearer " + key));
    long start = System.nanoTime();
    try {
      HttpResponse<Void> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200 ? OptionalLong.of((System.nanoTime() - start) / 1_000_000) : OptionalLong.empty();
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }
}
