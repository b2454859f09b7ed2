package dev.varco.gateway.session;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * One answered turn of the Responses API ({@code resp_...}) as recorded: how it was asked for,
 * what came out and what it cost.
 *
 * @param createdAt epoch seconds
 * @param status {@code completed} or {@code incomplete} (the answer hit max_output_tokens)
 * @param incompleteReason {@code max_output_tokens} when incomplete, else null
 * @param conversationId the conversation the turn belongs to, or null
 * @param previousResponseId the response this one continues, or null
 * @param instructions the system text of this turn only (never carried to the next), or null
 * @param maxOutputTokens the limit the client asked for, empty when none
 * @param output the assistant's items
 * @param usage null while the response is in progress
 */
public record ResponseRecord(
    String id,
    long createdAt,
    String model,
    String status,
    String incompleteReason,
    String conversationId,
    String previousResponseId,
    String instructions,
    double temperature,
    OptionalDouble topP,
    OptionalInt maxOutputTokens,
    Map<String, String> metadata,
    List<ConversationItem> output,
    Usage usage) {

  public ResponseRecord {
    metadata = Map.copyOf(metadata);
    output = List.copyOf(output);
  }

  /** Token counts; input tokens include image tokens and cached (reused KV) tokens. */
  public record Usage(int inputTokens, int outputTokens, int cachedTokens, int imageTokens) {
    public int totalTokens() {
      return inputTokens + outputTokens;
    }
  }
}
