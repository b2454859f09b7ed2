package dev.varco.llm.engine;

import dev.varco.llm.model.SamplingSettings;
import dev.varco.llm.text.ChatMessage;
import java.util.List;

/**
 * A validated request: the conversation (images as placeholders, their bytes in {@code images} in
 * the same order), sampling settings and stop strings.
 *
 * @param caller who the request is for; the waiting queue is fair across callers ("" = anonymous)
 * @param maxTokens 0 = the configured default
 * @param cachePrompt false = neither reuse a cached prefix nor keep this request's KV cache
 */
public record GenerationRequest(
    String requestId,
    String caller,
    List<ChatMessage> messages,
    List<ImageInput> images,
    SamplingSettings sampling,
    int maxTokens,
    List<String> stop,
    boolean cachePrompt) {
  public GenerationRequest {
    messages = List.copyOf(messages);
    images = List.copyOf(images);
    stop = List.copyOf(stop);
  }
}
