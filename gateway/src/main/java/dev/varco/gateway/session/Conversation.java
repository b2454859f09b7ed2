package dev.varco.gateway.session;

import java.util.Map;

/**
 * A server-side conversation: its id ({@code conv_...}), creation time in epoch seconds and the
 * client's metadata (string keys and values, as OpenAI's Conversations API has them).
 */
public record Conversation(String id, long createdAt, Map<String, String> metadata) {
  public Conversation {
    metadata = Map.copyOf(metadata);
  }
}
