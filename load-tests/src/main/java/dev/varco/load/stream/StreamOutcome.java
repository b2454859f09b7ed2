package dev.varco.load.stream;

import java.util.Optional;

/**
 * What one streamed answer gave the client.
 *
 * @param errorCause empty for a stream that ended with its final event and no error; otherwise the
 *     cause as the summary groups it ({@code HTTP 429}, {@code in-stream error: ...}, {@code stream cut
 *     without its final event}, ...)
 * @param ttftMillis request sent to the first non-empty text delta; -1 when none came
 * @param interTokenMillis gaps between consecutive text deltas as they arrived
 * @param e2eMillis request sent to the final event (or to the failure)
 * @param outputTokens the server's usage count when it sent one, else the number of text deltas
 */
public record StreamOutcome(Optional<String> errorCause, long ttftMillis, long[] interTokenMillis, long e2eMillis, long outputTokens) {
  public boolean ok() {
    return errorCause.isEmpty();
  }
}
