package dev.varco.gateway.session;

import dev.varco.gateway.chat.Sampling;
import java.util.List;
import java.util.Map;

/**
 * A new turn of a server-side conversation, whichever edge (REST Responses API or gRPC
 * {@code Respond}) it came through.
 *
 * @param input the new items the turn adds (recorded with the answer)
 * @param instructions system text for this turn only, or null
 * @param conversationId the conversation to continue and record into, or null
 * @param previousResponseId the response to continue, or null (never both)
 * @param store false: answer without recording anything
 * @param metadata kept on the response record
 */
public record TurnRequest(
    List<ConversationItem> input,
    String instructions,
    String conversationId,
    String previousResponseId,
    Sampling sampling,
    boolean store,
    Map<String, String> metadata) {

  public TurnRequest {
    input = List.copyOf(input);
    metadata = Map.copyOf(metadata);
    if (conversationId != null && previousResponseId != null) {
      throw new IllegalArgumentException("a turn continues a conversation or a previous response, not both");
    }
  }
}
