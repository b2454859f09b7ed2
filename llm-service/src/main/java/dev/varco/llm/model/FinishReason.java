package dev.varco.llm.model;

/** Why decoding stopped. */
public enum FinishReason {
  /** The model produced one of the end-of-turn tokens. */
  STOP,
  /** The request's max_tokens was reached. */
  LENGTH,
  /** The caller went away; nothing more will be sent. */
  CANCELLED
}
