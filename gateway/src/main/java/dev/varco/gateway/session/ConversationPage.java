package dev.varco.gateway.session;

import java.util.List;

/** A page of an owner's conversations, newest first; {@code hasMore} says whether older ones follow. */
public record ConversationPage(List<Conversation> conversations, boolean hasMore) {
  public ConversationPage {
    conversations = List.copyOf(conversations);
  }
}
