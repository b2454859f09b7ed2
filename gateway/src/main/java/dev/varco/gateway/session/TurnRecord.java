package dev.varco.gateway.session;

import java.util.List;

/**
 * Everything one answered turn adds to the store, recorded all at once or not at all: the
 * client's new input items, then the response with its output items.
 */
public record TurnRecord(List<ConversationItem> input, ResponseRecord response) {
  public TurnRecord {
    input = List.copyOf(input);
  }
}
