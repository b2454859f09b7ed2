package dev.varco.gateway.chat;

import java.util.List;
import java.util.OptionalLong;

/**
 * One validated chat turn, independent of the wire format it came in (OpenAI JSON or gRPC):
 * the whole conversation so far plus how to sample the answer.
 *
 * @param maxTokens 0 means the language model's default
 */
public record ChatTurn(
    List<ChatMessage> messages, double temperature, int maxTokens, OptionalLong seed) {

  public ChatTurn {
    messages = List.copyOf(messages);
  }

  public int imageCount() {
    return (int) messages.stream().flatMap(m -> m.parts().stream()).filter(ChatPart.Image.class::isInstance).count();
  }
}
