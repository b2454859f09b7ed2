package dev.varco.load.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Events in the form Gatling hands them over ({@code {"event":..., "data":...}}), as the gateway sends them. */
class StreamAnalysisTest {
  private static StreamMessage chunk(long at, String content) {
    return new StreamMessage(at, "{\"data\":{\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
        + content + "\"},\"finish_reason\":null}]}}");
  }

  private static StreamMessage usage(long at, int completionTokens) {
    return new StreamMessage(at, "{\"data\":{\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,"
        + "\"completion_tokens\":" + completionTokens + "}}}");
  }

  private static StreamMessage delta(long at, String text) {
    return new StreamMessage(at, "{\"event\":\"response.output_text.delta\",\"data\":{\"type\":\"response.output_text.delta\",\"delta\":\""
        + text + "\"}}");
  }

  private static final StreamMessage DONE = new StreamMessage(1090, "{\"data\":[DONE]}");

  @Test
  void chatStreamGivesTimeToFirstTextGapsEndToEndAndTheUsageCount() {
    List<StreamMessage> messages = List.of(
        chunk(1040, ""), chunk(1050, "안녕"), chunk(1062, "하세요"), chunk(1070, "!"), usage(1080, 3), DONE);

    StreamOutcome outcome = StreamAnalysis.analyze(StreamApi.CHAT_COMPLETIONS, 1000, 1095, messages, Optional.empty(), Optional.empty());

    assertTrue(outcome.ok(), outcome.toString());
    assertEquals(50, outcome.ttftMillis(), "the role chunk with empty content is not the first token");
    assertArrayEquals(new long[] {12, 8}, outcome.interTokenMillis());
    assertEquals(90, outcome.e2eMillis(), "end to end runs to [DONE], not to when the wait returned");
    assertEquals(3, outcome.outputTokens());
  }

  @Test
  void aStreamThatEndsWithoutItsFinalEventIsCut() {
    List<StreamMessage> messages = List.of(chunk(1050, "a"), chunk(1060, "b"));

    StreamOutcome outcome = StreamAnalysis.analyze(StreamApi.CHAT_COMPLETIONS, 1000, 1070, messages, Optional.empty(),
        Optional.of("End of stream"));

    assertEquals(Optional.of(StreamAnalysis.CUT), outcome.errorCause());
    assertEquals(2, outcome.outputTokens(), "without usage the text deltas are counted");
  }

  @Test
  void aStreamStillOpenWhenTheWaitEndsTimedOut() {
    StreamOutcome outcome = StreamAnalysis.analyze(StreamApi.CHAT_COMPLETIONS, 1000, 61000, List.of(chunk(1050, "a")), Optional.empty(),
        Optional.empty());

    assertEquals(Optional.of(StreamAnalysis.TIMEOUT), outcome.errorCause());
  }

  @Test
  void aRefusedRequestCountsByItsHttpStatus() {
    StreamOutcome outcome = StreamAnalysis.analyze(StreamApi.CHAT_COMPLETIONS, 1000, 1010, List.of(), Optional.empty(),
        Optional.of("i.g.h.a.s.SseInvalidStatusException: Server returned http response with code 429"));

    assertEquals(Optional.of("HTTP 429"), outcome.errorCause());
    assertEquals(-1, outcome.ttftMillis());
  }

  @Test
  void anErrorEventInsideAChatStreamIsAnInStreamErrorEvenThoughDoneFollows() {
    List<StreamMessage> messages = List.of(chunk(1050, "a"),
        new StreamMessage(1060, "{\"data\":{\"error\":{\"message\":\"llm-service is unreachable\",\"type\":\"service_unavailable\","
            + "\"param\":null,\"code\":null}}}"), DONE);

    StreamOutcome outcome = StreamAnalysis.analyze(StreamApi.CHAT_COMPLETIONS, 1000, 1090, messages, Optional.empty(), Optional.empty());

    assertEquals(Optional.of("in-stream error: service_unavailable"), outcome.errorCause());
  }

  @Test
  void responsesTurnEndsWithTheMatchedCompletedEventAndItsUsage() {
    List<StreamMessage> messages = List.of(
        new StreamMessage(1010, "{\"event\":\"response.created\",\"data\":{\"type\":\"response.created\",\"response\":{\"status\":\"in_progress\"}}}"),
        delta(1100, "Hello"), delta(1110, " there"));
    String completed = "{\"event\":\"response.completed\",\"data\":{\"type\":\"response.completed\",\"response\":{\"status\":\"completed\","
        + "\"usage\":{\"input_tokens\":900,\"output_tokens\":2,\"total_tokens\":902}}}}";

    StreamOutcome outcome = StreamAnalysis.analyze(StreamApi.RESPONSES, 1000, 1120, messages, Optional.of(completed), Optional.empty());

    assertTrue(outcome.ok(), outcome.toString());
    assertEquals(100, outcome.ttftMillis());
    assertArrayEquals(new long[] {10}, outcome.interTokenMillis());
    assertEquals(120, outcome.e2eMillis());
    assertEquals(2, outcome.outputTokens());
  }

  @Test
  void responsesErrorEventNamesItsCode() {
    String error = "{\"event\":\"error\",\"data\":{\"type\":\"error\",\"code\":\"service_unavailable\",\"message\":\"llm-service\"}}";

    StreamOutcome outcome = StreamAnalysis.analyze(StreamApi.RESPONSES, 1000, 1200, List.of(delta(1100, "a")), Optional.of(error),
        Optional.empty());

    assertEquals(Optional.of("in-stream error: service_unavailable"), outcome.errorCause());
  }
}
