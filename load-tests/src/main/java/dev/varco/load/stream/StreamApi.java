package dev.varco.load.stream;

/** The two streamed APIs the runs drive; they frame text, usage, errors and the end differently. */
public enum StreamApi {
  /** {@code POST /v1/chat/completions}: {@code chat.completion.chunk} data, a usage chunk, {@code [DONE]}. */
  CHAT_COMPLETIONS,
  /** {@code POST /v1/responses}: typed events, {@code response.completed} / {@code response.incomplete} last. */
  RESPONSES
}
