package dev.varco.gateway.session;

import java.util.List;

/** A page of conversation items in the order asked for; {@code hasMore} says whether more follow. */
public record ItemPage(List<ConversationItem> items, boolean hasMore) {
  public ItemPage {
    items = List.copyOf(items);
  }
}
