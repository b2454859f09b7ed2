package dev.varco.llm.engine;

/**
 * The prompt, or the prompt plus {@code max_tokens}, does not fit the context (or the KV memory one
 * request may hold). Sent as OUT_OF_RANGE so a client can tell it from other invalid input, as
 * OpenAI's {@code context_length_exceeded} does; the message starts with the field to change
 * ({@code messages} when the prompt alone is too long, else {@code sampling.max_tokens}).
 */
public class ContextLengthExceededException extends InvalidRequestException {
  public ContextLengthExceededException(String message) {
    super(message);
  }
}
