package dev.varco.gateway.session;

import dev.varco.gateway.chat.ChatMessage;
import dev.varco.gateway.chat.ChatPart;
import java.util.List;

/**
 * One recorded message of a conversation ({@code msg_...}): a role and its content in order. An
 * item is immutable once recorded.
 *
 * @param createdAt epoch seconds
 */
public record ConversationItem(String id, ChatMessage.Role role, List<ItemContent> content, long createdAt) {
  public ConversationItem {
    content = List.copyOf(content);
  }

  /** The item as a message of a chat turn for the language model. */
  public ChatMessage toChatMessage() {
    return new ChatMessage(role, content.stream().<ChatPart>map(part -> switch (part) {
      case ItemContent.InputText text -> new ChatPart.Text(text.text());
      case ItemContent.OutputText text -> new ChatPart.Text(text.text());
      case ItemContent.InputImage image -> new ChatPart.Image(image.bytes());
    }).toList());
  }
}
