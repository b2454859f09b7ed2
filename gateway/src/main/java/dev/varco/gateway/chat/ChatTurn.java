package dev.varco.gateway.chat;

import java.util.List;

/**
 * One validated chat turn, independent of the wire format it came in (OpenAI JSON or gRPC):
 * the whole conversation so far plus how to sample the answer.
 *
 * @param cachePrompt whether llm-service may reuse (and keep) the KV cache of an earlier request
 *     sharing this prompt's beginning (llama.cpp's {@code cache_prompt}); the answer is the same
 *     either way, false only costs time
 */
public record ChatTurn(List<ChatMessage> messages, Sampling sampling, boolean cachePrompt) {

  public ChatTurn {
    messages = List.copyOf(messages);
  }

  /** A turn that may reuse cached prompts (the default). */
  public ChatTurn(List<ChatMessage> messages, Sampling sampling) {
    this(messages, sampling, true);
  }

  /** The same turn over other messages. */
  public ChatTurn withMessages(List<ChatMessage> replaced) {
    return new ChatTurn(replaced, sampling, cachePrompt);
  }

  public int imageCount() {
    return (int) messages.stream().flatMap(m -> m.parts().stream()).filter(ChatPart.Image.class::isInstance).count();
  }
}
