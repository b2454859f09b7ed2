package dev.varco.gateway.chat;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The rules every turn must satisfy, whichever edge (REST or gRPC) it came through. Each refusal
 * names the field and, for limits, the configuration key that sets it.
 */
@ApplicationScoped
public class ChatTurnRules {
  private final ChatLimits limits;

  @Inject
  public ChatTurnRules(ChatLimits limits) {
    this.limits = limits;
  }

  public ChatLimits limits() {
    return limits;
  }

  public void check(ChatTurn turn) {
    if (turn.messages().isEmpty()) {
      throw new InvalidRequestException("messages", "'messages' must be a non-empty array of chat messages");
    }
    if (turn.messages().size() > limits.maxMessages()) {
      throw new InvalidRequestException("messages", "'messages' has " + turn.messages().size()
          + " entries, over the limit of " + limits.maxMessages() + " (varco.gateway.max-messages)");
    }
    if (turn.messages().getLast().role() != ChatMessage.Role.USER) {
      throw new InvalidRequestException("messages", "the last message must have role 'user'");
    }
    if (turn.imageCount() > limits.maxImages()) {
      throw new InvalidRequestException("messages", "the conversation has " + turn.imageCount()
          + " images, over the limit of " + limits.maxImages() + " (varco.gateway.max-images)");
    }
    for (int i = 0; i < turn.messages().size(); i++) {
      ChatMessage message = turn.messages().get(i);
      for (int j = 0; j < message.parts().size(); j++) {
        if (message.parts().get(j) instanceof ChatPart.Image image) {
          String where = "messages[" + i + "].content[" + j + "]";
          if (message.role() != ChatMessage.Role.USER) {
            throw new InvalidRequestException(where, where + ": only user messages may contain images");
          }
          if (image.bytes().length == 0) {
            throw new InvalidRequestException(where, where + " holds no image data");
          }
          if (image.bytes().length > limits.maxImageBytes()) {
            throw new InvalidRequestException(where, where + " is " + image.bytes().length
                + " bytes, over the " + limits.maxImageBytes() + "-byte image limit (varco.gateway.max-image-bytes)");
          }
        }
      }
    }
    if (!(turn.temperature() >= 0.0 && turn.temperature() <= 2.0)) {
      throw new InvalidRequestException("temperature", "temperature must be a number between 0 and 2");
    }
    if (turn.maxTokens() < 0 || turn.maxTokens() > limits.maxCompletionTokens()) {
      throw new InvalidRequestException("max_tokens", "max_tokens must be between 1 and "
          + limits.maxCompletionTokens() + " (varco.gateway.max-completion-tokens)");
    }
  }
}
