package dev.varco.gateway.chat;

import java.util.List;

/**
 * One validated chat turn, independent of the wire format it came in (OpenAI JSON or gRPC):
 * the whole conversation so far plus how to sample the answer.
 */
public record ChatTurn(List<ChatMessage> messages, Sampling sampling) {

  public ChatTurn {
    messages = List.copyOf(messages);
  }

  public int imageCount() {
    return (int) messages.stream().flatMap(m -> m.parts().stream()).filter(ChatPart.Image.class::isInstance).count();
  }
}
