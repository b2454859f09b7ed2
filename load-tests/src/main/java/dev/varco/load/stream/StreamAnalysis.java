package dev.varco.load.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns the events of one stream, with their arrival times, into a {@link StreamOutcome}. */
public final class StreamAnalysis {
  /** The cause counted for a stream that ended (or broke) before its final event. */
  public static final String CUT = "stream cut without its final event";
  /** The cause counted for a stream still open when the stream timeout ran out. */
  public static final String TIMEOUT = "no final event within the stream timeout";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern STATUS = Pattern.compile("response with code (\\d{3})");

  private StreamAnalysis() {}

  /**
   * @param startMillis when the request was sent
   * @param endMillis when the wait for the final event ended (matched, failed or timed out)
   * @param messages every event received, in arrival order (the final one may be among them)
   * @param finalEvent the final event when the wait matched it but it is not among {@code messages}
   * @param failure Gatling's message for a stream that failed (refused with a status, or broken); empty
   *     when it did not
   */
  public static StreamOutcome analyze(StreamApi api, long startMillis, long endMillis, List<StreamMessage> messages,
      Optional<String> finalEvent, Optional<String> failure) {
    List<StreamMessage> all = new ArrayList<>(messages);
    finalEvent.ifPresent(json -> all.add(new StreamMessage(endMillis, json)));
    List<Long> deltaTimes = new ArrayList<>();
    Optional<String> inStreamError = Optional.empty();
    long usageTokens = -1;
    boolean ended = false;
    long endedAt = endMillis;
    for (StreamMessage message : all) {
      Event event = Event.parse(api, message.json());
      if (event.text) {
        deltaTimes.add(message.receivedAtMillis());
      }
      if (event.error.isPresent() && inStreamError.isEmpty()) {
        inStreamError = event.error;
      }
      if (event.outputTokens >= 0) {
        usageTokens = event.outputTokens;
      }
      if (event.last && !ended) {
        ended = true;
        endedAt = message.receivedAtMillis();
      }
    }
    long[] gaps = new long[Math.max(0, deltaTimes.size() - 1)];
    for (int i = 1; i < deltaTimes.size(); i++) {
      gaps[i - 1] = deltaTimes.get(i) - deltaTimes.get(i - 1);
    }
    long ttft = deltaTimes.isEmpty() ? -1 : deltaTimes.get(0) - startMillis;
    long tokens = usageTokens >= 0 ? usageTokens : deltaTimes.size();
    Optional<String> cause = inStreamError.map(e -> "in-stream error: " + e);
    if (cause.isEmpty() && !ended) {
      cause = Optional.of(failureCause(failure, !all.isEmpty()));
    }
    return new StreamOutcome(cause, ttft, gaps, Math.max(0, endedAt - startMillis), tokens);
  }

  private static String failureCause(Optional<String> failure, boolean anyEvent) {
    if (failure.isEmpty()) {
      return TIMEOUT;
    }
    Matcher status = STATUS.matcher(failure.get());
    if (status.find()) {
      return "HTTP " + status.group(1);
    }
    if (anyEvent || failure.get().contains("End of stream")) {
      return CUT;
    }
    return "connection failed: " + failure.get();
  }

  /** What one event means for the measurements. */
  private record Event(boolean text, boolean last, long outputTokens, Optional<String> error) {
    static Event parse(StreamApi api, String json) {
      if (json.contains("\"data\":[DONE]")) {
        return new Event(false, true, -1, Optional.empty());
      }
      JsonNode node;
      try {
        node = JSON.readTree(json);
      } catch (java.io.IOException e) {
        return new Event(false, false, -1, Optional.of("unparseable event"));
      }
      JsonNode data = node.path("data");
      return api == StreamApi.CHAT_COMPLETIONS ? chat(data) : responses(node.path("event").asText(""), data);
    }

    private static Event chat(JsonNode data) {
      if (data.has("error")) {
        return new Event(false, false, -1, Optional.of(errorName(data.path("error"))));
      }
      boolean text = !data.path("choices").path(0).path("delta").path("content").asText("").isEmpty();
      long tokens = data.path("usage").path("completion_tokens").asLong(-1);
      return new Event(text, false, tokens, Optional.empty());
    }

    private static Event responses(String type, JsonNode data) {
      return switch (type) {
        case "response.output_text.delta" -> new Event(!data.path("delta").asText("").isEmpty(), false, -1, Optional.empty());
        case "response.completed", "response.incomplete" ->
            new Event(false, true, data.path("response").path("usage").path("output_tokens").asLong(-1), Optional.empty());
        case "response.failed" -> new Event(false, true, -1, Optional.of(errorName(data.path("response").path("error"))));
        case "error" -> new Event(false, true, -1, Optional.of(errorName(data.has("error") ? data.path("error") : data)));
        default -> new Event(false, false, -1, Optional.empty());
      };
    }

    private static String errorName(JsonNode error) {
      String code = error.path("code").asText("");
      return code.isEmpty() ? error.path("type").asText("unknown") : code;
    }
  }
}
