package dev.varco.llm.engine;

import dev.varco.llm.text.ChatMessage;
import java.util.List;

/**
 * A validated request: the conversation (images as placeholders, their bytes in {@code images} in
 * the same order) and sampling settings.
 *
 * @param maxTokens 0 = the configured default
 */
public record GenerationRequest(
    String requestId, List<ChatMessage> messages, List<ImageInput> images, float temperature, int maxTokens, long seed) {
  public GenerationRequest {
    messages = List.copyOf(messages);
    images = List.copyOf(images);
  }
}
