package dev.varco.load.simulation;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.regex;
import static io.gatling.javaapi.core.CoreDsl.substring;
import static io.gatling.javaapi.http.HttpDsl.sse;

import dev.varco.load.LoadSettings;
import dev.varco.load.stream.Measurements;
import dev.varco.load.stream.StreamAnalysis;
import dev.varco.load.stream.StreamApi;
import dev.varco.load.stream.StreamMessage;
import dev.varco.load.stream.StreamOutcome;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The Gatling steps every streamed request shares: send it, wait (bounded) for its final event, then
 * measure it from the arrival times of its events and record the outcome under a label. Gatling's own
 * report times the request ({@code <name>: stream}: until the response headers) and the wait
 * ({@code <name>: final event}: until the final event, i.e. end to end).
 */
final class StreamSteps {
  private static final String START = "varco_start";
  private static final String FINAL = "varco_final";

  private StreamSteps() {}

  /** The protocol of every run: the gateway, the key if any, room for every event of a stream. */
  static HttpProtocolBuilder protocol(LoadSettings settings) {
    HttpProtocolBuilder protocol = io.gatling.javaapi.http.HttpDsl.http.baseUrl(settings.baseUrl())
        .sseUnmatchedInboundMessageBufferSize(settings.maxTokens() * 4 + 64)
        .shareConnections();
    return settings.apiKey().map(key -> protocol.authorizationHeader("Bearer " + key)).orElse(protocol);
  }

  /**
   * @param name request name in Gatling's report
   * @param sseName the session's stream name (one per stream a user opens)
   * @param body the JSON body, built per session
   * @param label the label the outcome is recorded under, per session
   */
  static ChainBuilder stream(LoadSettings settings, StreamApi api, String name, String path, Function<Session, String> sseName,
      Function<Session, String> body, Function<Session, String> label) {
    return exec(session -> session.set(START, System.currentTimeMillis()).remove(FINAL))
        .exec(sse(name + ": stream").sseName(sseName).post(path)
            .header("Content-Type", "application/json")
            .header("Accept", "text/event-stream")
            .body(StringBody(body))
            .await(settings.streamTimeout())
            .on(sse.checkMessage(name + ": final event").matching(finalEvent(api)).check(regex("^(.*)$").saveAs(FINAL))))
        .exec(sse.processUnmatchedMessages(sseName, (messages, session) -> {
          long end = System.currentTimeMillis();
          long start = session.getLong(START);
          List<StreamMessage> received = messages.stream().map(m -> new StreamMessage(m.timestamp(), m.message())).toList();
          Optional<String> finalEvent = session.contains(FINAL) ? Optional.of(session.getString(FINAL)) : Optional.empty();
          StreamOutcome outcome = StreamAnalysis.analyze(api, start, end, received, finalEvent, SseFailure.of(session, sseName.apply(session)));
          Measurements.record(label.apply(session), outcome, start, end);
          return outcome.ok() ? session : session.markAsFailed();
        }));
  }

  private static CheckBuilder finalEvent(StreamApi api) {
    return api == StreamApi.CHAT_COMPLETIONS
        ? substring("\"data\":[DONE]")
        : regex("\"event\":\"(response\\.completed|response\\.incomplete|response\\.failed|error)\"");
  }
}
