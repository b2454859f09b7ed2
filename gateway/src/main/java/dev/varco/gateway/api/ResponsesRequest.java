package dev.varco.gateway.api;

import dev.varco.gateway.chat.Sampling;
import dev.varco.gateway.session.ConversationItem;
import dev.varco.gateway.session.TurnRequest;
import java.util.List;
import java.util.Map;

/**
 * A parsed {@code POST /v1/responses} body: the new turn's input items and where the earlier turns
 * are (a conversation, a previous response, or neither).
 *
 * @param model the requested model name, or null
 * @param instructions system text for this turn only, or null
 * @param conversationId the conversation to continue and record into, or null
 * @param previousResponseId the response to continue, or null (never both)
 * @param store false: answer without recording anything
 */
record ResponsesRequest(
    String model,
    List<ConversationItem> input,
    String instructions,
    String conversationId,
    String previousResponseId,
    Sampling sampling,
    boolean stream,
    boolean store,
    Map<String, String> metadata) {

  ResponsesRequest {
    input = List.copyOf(input);
    metadata = Map.copyOf(metadata);
  }

  /** The turn the conversation engine answers. */
  TurnRequest turn() {
    return new TurnRequest(input, instructions, conversationId, previousResponseId, sampling, store, metadata);
  }
}
